using Orleans.Dashboard;
using PaymentNotifications.Api.Authentication;

namespace PaymentNotifications.Silo.Hosting;

/// <summary>The Orleans Dashboard (grains, silos, calls, reminders), served offline by this process at /orleans for operators.</summary>
public static class ClusterDashboardEndpoints
{
    public const string Path = "/orleans";

    public const string EnabledKey = "Orleans:Dashboard:Enabled";

    /// <summary>Whether this process serves the Orleans Dashboard (<c>Orleans:Dashboard:Enabled</c>, default true).</summary>
    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue(EnabledKey, true);

    /// <summary>
    /// Maps the dashboard behind the admin key (a browser is asked for it as a password; API tools send it as a bearer
    /// key) and out of the API description. A silo and a facade running alone as an Orleans client both serve it.
    /// </summary>
    public static WebApplication MapClusterDashboard(this WebApplication app)
    {
        if (!IsEnabled(app.Configuration))
        {
            return app;
        }
        app.MapOrleansDashboard(Path)
            .RequireAuthorization(ApiKeyAuthenticationHandler.AdminPolicy)
            .ExcludeFromDescription();
        return app;
    }
}
