using Microsoft.Extensions.Diagnostics.HealthChecks;
using PaymentNotifications.Api;
using PaymentNotifications.Grains.Hosting;
using PaymentNotifications.Grains.Tenants;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Silo.Operations;
using PaymentNotifications.Silo.Sandbox;

namespace PaymentNotifications.Silo.Hosting;

/// <summary>Wires the silo executable: storage mode, grains, the HTTP API, health, start-up banner.</summary>
public static class SiloHostingExtensions
{
    /// <summary>The listener used when neither --urls nor ASPNETCORE_URLS is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Dev mode reaches webhook receivers on this machine; durable mode allows only public targets unless configured.</summary>
    public const string DevAllowedNetworks = "127.0.0.0/8,::1/128";

    public static WebApplicationBuilder AddNotificationSilo(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        var connectionString = builder.Configuration.GetConnectionString("Postgres");
        var devMode = string.IsNullOrWhiteSpace(connectionString);
        var generated = new DevKeys();
        if (devMode)
        {
            builder.Configuration.AddInMemoryCollection(DevDefaults(builder.Configuration, generated));
        }
        builder.Services.AddSingleton(generated);
        var sandboxUrl = AddSandbox(builder, devMode);
        builder.Services.AddSingleton(new SandboxAddress(sandboxUrl));

        builder.Services.AddSilo(builder.Configuration, silo =>
        {
            if (devMode)
            {
                silo.UseMemoryStorage();
            }
            else
            {
                silo.UsePostgres(connectionString!);
            }
            silo.AddNotificationGrains(builder.Configuration);
        });
        builder.Services.AddNotificationsApi(builder.Configuration);
        builder.Services.AddSiloOperations(builder.Configuration);
        Grains.Security.SecurityServiceCollectionExtensions.AddNotificationSecurity(builder.Services, builder.Configuration, durable: !devMode);
        if (devMode)
        {
            builder.Services.AddHostedService<DevTenantSeeder>();
        }
        builder.Services.AddHealthChecks().AddCheck<SiloReadinessCheck>("silo", tags: ["ready"]);
        return builder;
    }

    public static WebApplication MapNotificationSilo(this WebApplication app)
    {
        app.MapNotificationsApi();
        if (app.Services.GetRequiredService<SandboxAddress>().BaseUrl is not null)
        {
            app.MapSandboxProviders();
        }
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") });
        app.MapSiloInternalEndpoint();
        app.MapSiloOperations();
        app.Lifetime.ApplicationStarted.Register(() => PrintBanner(app));
        return app;
    }

    /// <summary>
    /// The sandbox providers (Sandbox:Enabled; on by default in dev mode) are served on this silo's own
    /// listener at /sandbox/{provider}, and the adapters point at them, unless Providers:* is configured.
    /// Their receipts come back to this silo's receipt routes. Returns the sandbox base URL, or null.
    /// </summary>
    private static Uri? AddSandbox(WebApplicationBuilder builder, bool devMode)
    {
        var configuration = builder.Configuration;
        var enabled = bool.TryParse(configuration["Sandbox:Enabled"], out var flag) ? flag : devMode;
        if (!enabled || configuration.GetSection("Providers").Exists())
        {
            return null;
        }
        var listener = (configuration["urls"] ?? configuration[WebHostDefaults.ServerUrlsKey] ?? DefaultUrl).Split(';')[0];
        var baseUrl = new Uri(listener.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal).TrimEnd('/'));
        var credentials = SandboxCredentials.Generate();
        var settings = new Dictionary<string, string?>(credentials.AdapterConfiguration(baseUrl))
        {
            ["Providers:Twilio:StatusCallbackUrl"] = new Uri(baseUrl, "/v1/providers/twilio/status").ToString(),
        };
        configuration.AddInMemoryCollection(settings);
        builder.Services.AddSandboxProviders(credentials, o => o.SendGridEventWebhookUrl = new Uri(baseUrl, "/v1/providers/sendgrid/events").ToString());
        return baseUrl;
    }

    // Dev mode: loopback webhook targets, and keys generated for this run where none are configured.
    private static Dictionary<string, string?> DevDefaults(IConfiguration configuration, DevKeys generated)
    {
        var defaults = new Dictionary<string, string?>();
        if (string.IsNullOrEmpty(configuration["Webhooks:AllowedNetworks"]))
        {
            defaults["Webhooks:AllowedNetworks"] = DevAllowedNetworks;
        }
        if (string.IsNullOrEmpty(configuration["Api:AdminKey"]))
        {
            generated.AdminKey = ApiKeys.Generate();
            defaults["Api:AdminKey"] = generated.AdminKey;
        }
        if (string.IsNullOrEmpty(configuration["Api:DevTenantKey"]))
        {
            generated.DevTenantKey = ApiKeys.Generate();
            defaults["Api:DevTenantKey"] = generated.DevTenantKey;
        }
        return defaults;
    }

    private static void PrintBanner(WebApplication app)
    {
        var silo = app.Services.GetRequiredService<Runtime.Hosting.Silo>();
        var generated = app.Services.GetRequiredService<DevKeys>();
        var durable = !string.IsNullOrWhiteSpace(app.Configuration.GetConnectionString("Postgres"));
        Console.WriteLine($"Notifications silo {silo.SiloId} listening on {string.Join(", ", app.Urls)}");
        Console.WriteLine(durable
            ? "Mode: durable (PostgreSQL storage, reminders and cluster membership)"
            : "Mode: dev (in-memory storage and reminders, sandbox providers); set ConnectionStrings__Postgres for durable mode");
        if (generated.AdminKey is not null)
        {
            Console.WriteLine($"Admin key (generated for this run; set Api__AdminKey to fix it): {generated.AdminKey}");
        }
        if (generated.DevTenantKey is not null)
        {
            Console.WriteLine($"Tenant 'dev' key (generated for this run; set Api__DevTenantKey to fix it): {generated.DevTenantKey}");
        }
        if (app.Services.GetRequiredService<SandboxAddress>().BaseUrl is { } sandbox)
        {
            Console.WriteLine($"Sandbox providers: {sandbox}sandbox/{{twilio|vonage|sendgrid|mailgun|fcm|apns}}/messages (what they received), .../faults (inject failures)");
        }
        Console.WriteLine("Press Ctrl+C to stop.");
    }
}

/// <summary>Where the sandbox providers are served, when they are.</summary>
public sealed record SandboxAddress(Uri? BaseUrl);

/// <summary>Keys generated at start-up in dev mode, printed once.</summary>
public sealed class DevKeys
{
    public string? AdminKey { get; set; }
    public string? DevTenantKey { get; set; }
}

/// <summary>Dev mode's tenant "dev", with the key from Api:DevTenantKey.</summary>
public sealed class DevTenantSeeder(Grains.Interfaces.Tenants.ITenantDirectory tenants, Microsoft.Extensions.Options.IOptions<ApiOptions> api) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        tenants.EnsureTenantAsync("dev", "dev", api.Value.DevTenantKey!, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Ready when storage answers and every partition has a live owner this silo can route to.</summary>
public sealed class SiloReadinessCheck(
    Runtime.Membership.PartitionOwnership ownership,
    Runtime.PartitionMap partitions,
    Runtime.Membership.IMembershipTable membership) : IHealthCheck
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
