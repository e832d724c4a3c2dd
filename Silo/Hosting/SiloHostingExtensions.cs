using Microsoft.Extensions.Diagnostics.HealthChecks;
using Notifications.Orleans.Runtime.Hosting;

namespace Notifications.Orleans.Silo.Hosting;

/// <summary>Wires the silo executable: storage mode, grains, health, start-up banner.</summary>
public static class SiloHostingExtensions
{
    /// <summary>The listener used when neither --urls nor ASPNETCORE_URLS is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplicationBuilder AddNotificationSilo(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        var connectionString = builder.Configuration.GetConnectionString("Postgres");
        builder.Services.AddSilo(builder.Configuration, silo =>
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                silo.UseMemoryStorage();
            }
            else
            {
                silo.UsePostgres(connectionString);
            }
        });
        builder.Services.AddHealthChecks()
            .AddCheck<SiloReadinessCheck>("silo", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapNotificationSilo(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") });
        app.MapSiloInternalEndpoint();
        app.Lifetime.ApplicationStarted.Register(() => PrintBanner(app));
        return app;
    }

    private static void PrintBanner(WebApplication app)
    {
        var silo = app.Services.GetRequiredService<Notifications.Orleans.Runtime.Hosting.Silo>();
        var durable = !string.IsNullOrWhiteSpace(app.Configuration.GetConnectionString("Postgres"));
        Console.WriteLine($"Notifications silo {silo.SiloId} listening on {string.Join(", ", app.Urls)}");
        Console.WriteLine(durable
            ? "Mode: durable (PostgreSQL storage, reminders and cluster membership)"
            : "Mode: dev (in-memory storage and reminders, sandbox providers); set ConnectionStrings__Postgres for durable mode");
        Console.WriteLine("Press Ctrl+C to stop.");
    }
}

/// <summary>Ready when storage answers and every partition has a live owner this silo can route to.</summary>
public sealed class SiloReadinessCheck(
    Notifications.Orleans.Runtime.Membership.PartitionOwnership ownership,
    Notifications.Orleans.Runtime.PartitionMap partitions,
    Notifications.Orleans.Runtime.Membership.IMembershipTable membership) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await membership.ReadAllAsync(cancellationToken);
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("Storage is not reachable.", e);
        }
        var owned = ownership.ValidPartitions.Count;
        var routed = ownership.Owners.Count;
        return routed >= partitions.Count
            ? HealthCheckResult.Healthy($"{owned} partitions owned here, {partitions.Count} routable.")
            : HealthCheckResult.Unhealthy($"{partitions.Count - routed} of {partitions.Count} partitions have no live owner yet.");
    }
}
