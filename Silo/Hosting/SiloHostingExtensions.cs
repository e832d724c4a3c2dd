using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Runtime;
using PaymentNotifications.Api;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Hosting;
using PaymentNotifications.Grains.Providers;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Grains.Tenants;
using PaymentNotifications.Silo.Operations;
using PaymentNotifications.Silo.Sandbox;

namespace PaymentNotifications.Silo.Hosting;

/// <summary>Wires the silo executable: storage mode, schema, Orleans, the HTTP API, dashboards, health, start-up banner.</summary>
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

        var storage = builder.Configuration.GetSection(PostgresStorageOptions.SectionName).Get<PostgresStorageOptions>() ?? new PostgresStorageOptions();
        builder.Services.AddOptions<PostgresStorageOptions>().Bind(builder.Configuration.GetSection(PostgresStorageOptions.SectionName))
            .ValidateListed(o => o.Validate());
        var dataSource = devMode ? null : PostgresDataSource.Build(connectionString!, storage.MaxPoolSize);
        builder.Services.AddNotificationStores(dataSource);
        if (dataSource is not null)
        {
            // Before Orleans starts: its ADO.NET clustering, reminders and storage read their tables and statements.
            builder.Services.AddHostedService<SchemaMigrationService>();
        }
        builder.AddNotificationOrleans(dataSource);
        var hostsSilo = !OrleansHosting.IsClientOnly(builder.Configuration);
        if (!hostsSilo)
        {
            // The facade alone still checks webhook targets and lists and steers the configured providers' circuits.
            builder.Services.AddDeliveryTargets(builder.Configuration);
        }
        builder.Services.AddNotificationsApi(builder.Configuration);
        builder.Services.AddSiloOperations(builder.Configuration, hostsSilo);
        Grains.Security.SecurityServiceCollectionExtensions.AddNotificationSecurity(builder.Services, builder.Configuration, durable: !devMode);
        if (devMode)
        {
            builder.Services.AddHostedService<DevTenantSeeder>();
        }
        builder.Services.AddHealthChecks().AddCheck<ReadinessCheck>("cluster", tags: ["ready"]);
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
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = ChannelCoverage.WriteReadiness });
        app.MapSiloOperations();
        app.MapClusterDashboard();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            PrintBanner(app);
            ChannelCoverage.WarnAtStart(app);
        });
        return app;
    }

    /// <summary>
    /// The sandbox providers (Sandbox:Enabled; on by default in dev mode, refused in durable mode) are served on this silo's own
    /// listener at /sandbox/{provider}, and the adapters point at them, unless Providers:* is configured.
    /// Their receipts come back to this silo's receipt routes. Returns the sandbox base URL, or null.
    /// </summary>
    private static Uri? AddSandbox(WebApplicationBuilder builder, bool devMode)
    {
        var configuration = builder.Configuration;
        var enabled = bool.TryParse(configuration["Sandbox:Enabled"], out var flag) ? flag : devMode;
        if (enabled && !devMode)
        {
            // Fake providers that accept every message must never stand in for real ones in a durable deployment.
            throw new OptionsValidationException("Sandbox", typeof(object),
                ["Sandbox:Enabled is for dev mode only (no ConnectionStrings:Postgres); configure Providers:* for durable mode."]);
        }
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

    /// <summary>
    /// What the silo tells whoever started it: on a terminal, a few lines of text with the keys generated for this run;
    /// otherwise (output to a file or a collector) the same facts as one log event, so the output stays JSON, and without
    /// the generated keys, which never go to a log.
    /// </summary>
    private static void PrintBanner(WebApplication app)
    {
        const string StartedCategory = "PaymentNotifications.Silo.Started";
        var identity = app.Services.GetRequiredService<SiloIdentity>();
        var generated = app.Services.GetRequiredService<DevKeys>();
        var durable = !string.IsNullOrWhiteSpace(app.Configuration.GetConnectionString("Postgres"));
        var urls = string.Join(", ", app.Urls);
        var role = identity.SiloAddress is { } address
            ? $"Orleans silo at {address}, cluster '{app.Configuration["Orleans:ClusterId"] ?? (durable ? "notifications" : "dev")}'"
            : "Orleans client only (Silo:Role=Client): no grains run here, calls go to the cluster's gateways";
        var mode = durable
            ? "durable (PostgreSQL: Orleans clustering, reminders and grain storage, notifications table)"
            : "dev (localhost clustering, in-memory storage and reminders, sandbox providers); set ConnectionStrings__Postgres for durable mode";
        var sandbox = app.Services.GetRequiredService<SandboxAddress>().BaseUrl;
        if (Console.IsOutputRedirected)
        {
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(StartedCategory).LogInformation(
                "Notifications silo {SiloId} listening on {Urls}; {Role}; mode {Mode}; dashboards at /dashboard and /orleans{Sandbox}{GeneratedKeys}",
                identity.Id, urls, role, mode, sandbox is null ? "" : $"; sandbox providers at {sandbox}sandbox/{{provider}}/messages",
                generated.AdminKey is null && generated.DevTenantKey is null
                    ? ""
                    : "; keys were generated for this run and are shown on a terminal only: set Api__AdminKey and Api__DevTenantKey to choose them");
            return;
        }
        Console.WriteLine($"Notifications silo {identity.Id} listening on {urls}");
        Console.WriteLine(role);
        Console.WriteLine($"Mode: {mode}");
        Console.WriteLine($"Dashboards: {app.Urls.First()}/dashboard (delivery), {app.Urls.First()}/orleans (cluster; admin key as the password)");
        if (generated.AdminKey is not null)
        {
            Console.WriteLine($"Admin key (generated for this run; set Api__AdminKey to fix it): {generated.AdminKey}");
        }
        if (generated.DevTenantKey is not null)
        {
            Console.WriteLine($"Tenant 'dev' key (generated for this run; set Api__DevTenantKey to fix it): {generated.DevTenantKey}");
        }
        if (sandbox is not null)
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

/// <summary>
/// Ready when storage answers (PostgreSQL in durable mode) and Orleans is up: a silo that is Active in the
/// membership, or a client connected to the cluster.
/// </summary>
public sealed class ReadinessCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<NpgsqlDataSource>() is { } dataSource)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("Storage is not reachable.", e);
            }
        }
        if (services.GetService<IClusterMembershipService>() is { } membership)
        {
            var self = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            var status = membership.CurrentSnapshot.GetSiloStatus(self);
            var active = membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
            var uncovered = ChannelCoverage.Uncovered(services);
            var coverage = uncovered.Count == 0 ? "" : "; " + ChannelCoverage.Describe(uncovered);
            return status == SiloStatus.Active
                ? HealthCheckResult.Healthy($"Silo {self} is active; {active} active silos{coverage}.")
                : HealthCheckResult.Unhealthy($"Silo {self} is {status}.");
        }
        var client = services.GetRequiredService<Orleans.IClusterClient>();
        try
        {
            var hosts = await client.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy($"Connected to a cluster of {hosts.Count} active silos.");
        }
        catch (Exception e) when (e is Orleans.Runtime.OrleansException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("No silo of the cluster answers.", e);
        }
    }
}

/// <summary>Applies the schema migrations before Orleans starts (its ADO.NET providers need their tables and statements).</summary>
public sealed class SchemaMigrationService(SchemaMigrator migrator, ILogger<SchemaMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await migrator.MigrateAsync(cancellationToken);
        if (applied.Count > 0)
        {
            logger.LogInformation("Schema migrations applied: {Migrations}", string.Join(", ", applied));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
