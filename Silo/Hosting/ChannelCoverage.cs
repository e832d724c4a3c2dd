using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PaymentNotifications.Grains.Dispatch;

namespace PaymentNotifications.Silo.Hosting;

/// <summary>
/// Channels this silo cannot deliver on because none of their providers is configured: said once at start-up and in
/// <c>/health/ready</c>'s detail, since such notifications are accepted and then FAILED at once.
/// </summary>
public static class ChannelCoverage
{
    /// <summary>The channels (sms, email, push) with no configured provider; empty on a facade, which delivers nothing.</summary>
    public static IReadOnlyList<string> Uncovered(IServiceProvider services) =>
        services.GetServices<IDeliveryChannel>().OfType<ProviderChannel>()
            .Where(c => c.ProviderNames.Count == 0)
            .Select(c => PaymentNotifications.Grains.Interfaces.Contracts.WireNames.Of(c.Channel))
            .ToList();

    public static string Describe(IReadOnlyList<string> uncovered) =>
        $"no provider configured for {string.Join(", ", uncovered)}: those notifications fail at once (set Providers:* and Channels:*)";

    public static void WarnAtStart(WebApplication app)
    {
        var uncovered = Uncovered(app.Services);
        if (uncovered.Count > 0)
        {
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PaymentNotifications.Silo")
                .LogWarning("This silo has {Detail}", Describe(uncovered));
        }
    }

    /// <summary>
    /// /health/ready's answer: the status as text, as always, or with <c>Accept: application/json</c> the status and
    /// each check's description.
    /// </summary>
    public static Task WriteReadiness(HttpContext context, HealthReport report)
    {
        if (!context.Request.Headers.Accept.Any(a => a?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true))
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync(report.Status.ToString(), context.RequestAborted);
        }
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }, cancellationToken: context.RequestAborted);
    }
}
