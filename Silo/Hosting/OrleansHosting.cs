using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using PaymentNotifications.Grains.Hosting;
using PaymentNotifications.Grains.Interfaces;

namespace PaymentNotifications.Silo.Hosting;

/// <summary>
/// The Orleans side of the host: a silo (clustering, reminders and grain storage on PostgreSQL, or on
/// this process in dev mode), or with <c>Silo:Role=Client</c> only an Orleans client that finds the
/// silos' gateways through PostgreSQL (the HTTP facade on its own).
/// </summary>
public static class OrleansHosting
{
    public const string RoleKey = "Silo:Role";

    /// <summary>Orleans' ADO.NET invariant for PostgreSQL.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Whether this process is only a client of the cluster (<c>Silo:Role=Client</c>).</summary>
    public static bool IsClientOnly(IConfiguration configuration) =>
        string.Equals(configuration[RoleKey], "Client", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Adds the silo. Ports and identity are Orleans' own keys: <c>Orleans:Endpoints:SiloPort</c> (default 11111),
    /// <c>Orleans:Endpoints:GatewayPort</c> (30000), <c>Orleans:Endpoints:AdvertisedIPAddress</c>, <c>Orleans:ClusterId</c>
    /// and <c>Orleans:ServiceId</c>; membership timings bind from <c>Orleans:Membership</c>.
    /// </summary>
    public static WebApplicationBuilder AddNotificationOrleans(this WebApplicationBuilder builder, NpgsqlDataSource? dataSource)
    {
        var configuration = builder.Configuration;
        if (IsClientOnly(configuration))
        {
            if (dataSource is null)
            {
                throw new InvalidOperationException($"{RoleKey}=Client finds the silos through PostgreSQL: set ConnectionStrings:Postgres.");
            }
            builder.UseOrleansClient(client =>
            {
                client.UseAdoNetClustering(o => { o.Invariant = Invariant; o.DataSource = dataSource; });
                client.Services.AddNotificationContracts();
                client.AddDashboard();
            });
            return builder;
        }

        builder.UseOrleans(silo =>
        {
            if (dataSource is null)
            {
                var endpoints = configuration.GetSection("Orleans:Endpoints");
                silo.UseLocalhostClustering(
                    siloPort: endpoints.GetValue("SiloPort", EndpointOptions.DEFAULT_SILO_PORT),
                    gatewayPort: endpoints.GetValue("GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT),
                    serviceId: configuration["Orleans:ServiceId"] ?? "notifications",
                    clusterId: configuration["Orleans:ClusterId"] ?? "dev");
                silo.UseInMemoryReminderService();
                silo.AddMemoryGrainStorage(Grains.Storage.StorageNames.Grains);
            }
            else
            {
                silo.UseAdoNetClustering(o => { o.Invariant = Invariant; o.DataSource = dataSource; });
                silo.UseAdoNetReminderService(o => { o.Invariant = Invariant; o.DataSource = dataSource; });
                silo.AddAdoNetGrainStorage(Grains.Storage.StorageNames.Grains, o => { o.Invariant = Invariant; o.DataSource = dataSource; });
            }
            silo.Configure<ClusterOptions>(o =>
            {
                o.ServiceId = configuration["Orleans:ServiceId"] ?? "notifications";
                o.ClusterId = configuration["Orleans:ClusterId"] ?? (dataSource is null ? "dev" : "notifications");
            });
            silo.Services.AddOptions<ClusterMembershipOptions>().Configure(TuneMembership).Bind(configuration.GetSection("Orleans:Membership"));
            silo.Services.AddNotificationContracts();
            silo.AddNotificationGrains(configuration, durable: dataSource is not null);
            silo.AddDashboard();
        });
        return builder;
    }

    /// <summary>
    /// Failover in seconds, with two votes still needed to declare a silo dead: a killed silo stops answering
    /// probes and is out after two missed one-second probes; a hung one (whose connection stays up) after
    /// about 10 s rather than a minute. Overridden by <c>Orleans:Membership:*</c>.
    /// </summary>
    private static void TuneMembership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 2;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        // Rows of silos gone for a day are removed, so the table does not grow with every restart.
        o.DefunctSiloExpiration = TimeSpan.FromDays(1);
        o.DefunctSiloCleanupPeriod = TimeSpan.FromHours(1);
    }
}
