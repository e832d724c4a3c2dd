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

    /// <summary>Turns on Orleans' Kubernetes hosting for a silo (env <c>Orleans__Kubernetes__Enabled=true</c>); off by default.</summary>
    public const string KubernetesKey = "Orleans:Kubernetes:Enabled";

    /// <summary>Options of Orleans' Kubernetes hosting (<c>KubernetesHostingOptions</c>: MaxAgents, DeleteDefunctSiloPods, ...).</summary>
    public const string KubernetesSection = "Orleans:Kubernetes";

    /// <summary>Whether this process is only a client of the cluster (<c>Silo:Role=Client</c>).</summary>
    public static bool IsClientOnly(IConfiguration configuration) =>
        string.Equals(configuration[RoleKey], "Client", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the silo uses Orleans' Kubernetes hosting (<see cref="KubernetesKey"/>=true). An explicit switch rather
    /// than detecting a pod (KUBERNETES_SERVICE_HOST is set in every pod): the hosting needs the pods' RBAC, the
    /// orleans/* pod labels and POD_NAME/POD_NAMESPACE, which only k8s/40-silo.yaml sets up; a silo started in some
    /// other pod, or anywhere outside Kubernetes (tests, scripts/cluster.sh), behaves as before.
    /// </summary>
    public static bool UsesKubernetesHosting(IConfiguration configuration) => configuration.GetValue<bool>(KubernetesKey);

    /// <summary>
    /// Adds the silo. Ports and identity are Orleans' own keys: <c>Orleans:Endpoints:SiloPort</c> (default 11111),
    /// <c>Orleans:Endpoints:GatewayPort</c> (30000), <c>Orleans:Endpoints:AdvertisedIPAddress</c>, <c>Orleans:ClusterId</c>
    /// and <c>Orleans:ServiceId</c>; membership timings bind from <c>Orleans:Membership</c>. <c>Orleans:Kubernetes:Enabled=true</c>
    /// adds Orleans' Kubernetes hosting (the pod name then replaces <c>Orleans:Name</c> as the silo name).
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
                client.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = Identity(configuration, durable: true));
                client.UseAdoNetClustering(o => { o.Invariant = Invariant; o.DataSource = dataSource; });
                // A silo that joined is used within seconds rather than at the default 30 s refresh.
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
                client.Services.AddNotificationContracts();
                // Grain calls carry the caller's trace (W3C trace context), so a submit's trace runs on into the grains.
                client.AddActivityPropagation();
                if (ClusterDashboardEndpoints.IsEnabled(configuration))
                {
                    client.AddDashboard();
                }
            });
            return builder;
        }

        builder.UseOrleans(silo =>
        {
            var (serviceId, clusterId) = Identity(configuration, durable: dataSource is not null);
            // Grain calls carry the caller's trace (W3C trace context), so a submit's trace runs on into the grains.
            silo.AddActivityPropagation();
            if (dataSource is null)
            {
                var endpoints = configuration.GetSection("Orleans:Endpoints");
                silo.UseLocalhostClustering(
                    siloPort: endpoints.GetValue("SiloPort", EndpointOptions.DEFAULT_SILO_PORT),
                    gatewayPort: endpoints.GetValue("GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT),
                    serviceId: serviceId,
                    clusterId: clusterId);
                silo.UseInMemoryReminderService();
                silo.AddMemoryGrainStorage(Grains.Storage.StorageNames.Grains);
            }
            else
            {
                silo.UseAdoNetClustering(o => { o.Invariant = Invariant; o.DataSource = dataSource; });
                silo.UseAdoNetReminderService(o => { o.Invariant = Invariant; o.DataSource = dataSource; });
                silo.AddAdoNetGrainStorage(Grains.Storage.StorageNames.Grains, o => { o.Invariant = Invariant; o.DataSource = dataSource; });
            }
            silo.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (serviceId, clusterId));
            if (UsesKubernetesHosting(configuration))
            {
                // Silo name = POD_NAME, advertised address = POD_IP (unless Orleans:Endpoints:AdvertisedIPAddress is set);
                // a few silos watch the pods labelled with this cluster's ids and declare a deleted pod's silo dead.
                silo.UseKubernetesHosting(o => o.Bind(configuration.GetSection(KubernetesSection)));
            }
            silo.Services.AddOptions<ClusterMembershipOptions>().Configure(TuneMembership).Bind(configuration.GetSection("Orleans:Membership"));
            silo.Services.AddNotificationContracts();
            silo.AddNotificationGrains(configuration, durable: dataSource is not null);
            if (ClusterDashboardEndpoints.IsEnabled(configuration))
            {
                silo.AddDashboard();
            }
        });
        return builder;
    }

    /// <summary>The service and cluster ids (<c>Orleans:ServiceId</c>, default "notifications"; <c>Orleans:ClusterId</c>, default "notifications", dev mode "dev").</summary>
    private static (string ServiceId, string ClusterId) Identity(IConfiguration configuration, bool durable) =>
        (configuration["Orleans:ServiceId"] ?? "notifications", configuration["Orleans:ClusterId"] ?? (durable ? "notifications" : "dev"));

    /// <summary>
    /// Failover in seconds, with two votes still needed to declare a silo dead: a killed silo stops answering
    /// probes and is out after two missed one-second probes (about 2 s); a hung one, whose connection stays
    /// up, after its probes time out at <c>MaxProbeTimeout</c> (about 5-10 s rather than a minute). A silo
    /// that restarts after the whole cluster died finds the stale rows judged within about 10 s. Overridden by
    /// <c>Orleans:Membership:*</c> (Orleans' own option names).
    /// </summary>
    private static void TuneMembership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.MaxProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 2;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        o.NumMissedTableIAmAliveLimit = 2;
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
    }
}
