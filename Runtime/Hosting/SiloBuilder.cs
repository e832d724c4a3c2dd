using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Calls;
using PaymentNotifications.Runtime.Diagnostics;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Reminders;
using PaymentNotifications.Runtime.Storage;
using PaymentNotifications.Runtime.Storage.Memory;
using PaymentNotifications.Runtime.Storage.Postgres;
using Npgsql;

namespace PaymentNotifications.Runtime.Hosting;

/// <summary>Configures a silo: its grains, its storage (memory or PostgreSQL) and JSON contracts.</summary>
public sealed class SiloBuilder
{
    internal SiloBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }

    /// <summary>Whether storage is PostgreSQL (durable, clustered) rather than process memory.</summary>
    public bool IsDurable { get; private set; }

    /// <summary>Registers a grain implementation; <paramref name="storageName"/> picks a keyed <see cref="IGrainStorage"/>.</summary>
    public SiloBuilder AddGrain<TInterface, TImplementation>(string? storageName = null)
        where TInterface : IGrain
        where TImplementation : Grain, TInterface
    {
        Services.AddSingleton(new GrainRegistration(typeof(TInterface), typeof(TImplementation), GrainTypeRegistry.TypeNameOf(typeof(TInterface)), storageName));
        return this;
    }

    /// <summary>Adds a source-generated JSON context for grain-call arguments and state.</summary>
    public SiloBuilder AddJsonContext(IJsonTypeInfoResolver resolver)
    {
        Services.AddSingleton(resolver);
        return this;
    }

    /// <summary>Adds a component's embedded SQL migrations (applied after the runtime's own).</summary>
    public SiloBuilder AddSchemaMigrations(Assembly assembly, string component, int order)
    {
        Services.AddSingleton<ISchemaMigrationSource>(new EmbeddedSchemaMigrations(assembly, component, order));
        return this;
    }

    /// <summary>
    /// Client role: this process joins nothing and takes no partitions; it reads membership and leases
    /// only to route its grain calls to the owning silos (the HTTP facade running on its own). Needs
    /// <see cref="UsePostgres"/>. The same as <c>Cluster:Role=Client</c>.
    /// </summary>
    public SiloBuilder AsClient()
    {
        Services.PostConfigure<ClusterOptions>(o => o.Role = ClusterRole.Client);
        return this;
    }

    /// <summary>Dev mode: one silo, everything in process memory.</summary>
    public SiloBuilder UseMemoryStorage()
    {
        IsDurable = false;
        Services.TryAddSingleton<MemoryPartitionLeaseTable>();
        Services.AddSingleton<IPartitionLeaseTable>(sp => sp.GetRequiredService<MemoryPartitionLeaseTable>());
        Services.TryAddSingleton<IMembershipTable, MemoryMembershipTable>();
        Services.TryAddSingleton<IReminderTable, MemoryReminderTable>();
        Services.TryAddSingleton<IGrainStorage, MemoryGrainStorage>();
        return this;
    }

    /// <summary>Durable and clustered: membership, leases, state and reminders in PostgreSQL.</summary>
    public SiloBuilder UsePostgres(string connectionString)
    {
        IsDurable = true;
        Services.AddSingleton(_ => BuildDataSource(connectionString));
        Services.AddSingleton<SchemaMigrator>();
        Services.AddSingleton<PostgresWriteBatcher>();
        Services.AddSingleton<ISchemaMigrationSource>(new EmbeddedSchemaMigrations(typeof(SiloBuilder).Assembly, "runtime", order: 0));
        Services.AddSingleton<IPartitionLeaseTable, PostgresPartitionLeaseTable>();
        Services.AddSingleton<IMembershipTable, PostgresMembershipTable>();
        Services.AddSingleton<IReminderTable, PostgresReminderTable>();
        Services.AddSingleton<IGrainStorage, PostgresGrainStorage>();
        Services.TryAddSingleton<IRemoteGrainInvoker, HttpRemoteGrainInvoker>();
        return this;
    }

    /// <summary>
    /// The runtime sets no session state, so a pooled connection needs no DISCARD ALL on return, and its few
    /// statements, prepared automatically, are not parsed and planned again on every use. The connection string
    /// may still set either option itself.
    /// </summary>
    public static NpgsqlDataSource BuildDataSource(string connectionString)
    {
        // Read as written: Npgsql's own builder reports every keyword it knows as present.
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (!written.Contains("NoResetOnClose"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }
        if (!written.Contains("MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }
        return builder.Build();
    }
}

/// <summary>Registers the actor runtime in a host.</summary>
public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// Adds a silo (or, with <c>Cluster:Role=Client</c>, a cluster client). Options bind from the
    /// configuration sections "Cluster", "Grains:Collection" and "Reminders"; <paramref name="configure"/>
    /// registers grains and picks the storage. An ASP.NET Core host also maps the internal endpoint
    /// with <see cref="SiloEndpointExtensions.MapSiloInternalEndpoint"/>.
    /// </summary>
    public static IServiceCollection AddSilo(this IServiceCollection services, IConfiguration configuration, Action<SiloBuilder> configure)
    {
        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection("Cluster")).Validate(o => { o.Validate(); return true; }).ValidateOnStart();
        services.AddOptions<GrainCollectionOptions>().Bind(configuration.GetSection("Grains:Collection"));
        services.AddOptions<ReminderOptions>().Bind(configuration.GetSection("Reminders"));
        services.AddOptions<WriteBatchOptions>().Bind(configuration.GetSection("Storage"))
            .Validate(o => o.MaxBatchSize >= 1 && o.MaxConcurrentBatches >= 1, "Storage:MaxBatchSize and Storage:MaxConcurrentBatches must be at least 1.").ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RuntimeJson>();
        services.AddSingleton<PartitionMap>();
        services.AddSingleton<PartitionOwnership>();
        services.AddSingleton(sp => new GrainTypeRegistry(sp.GetServices<GrainRegistration>()));
        services.AddSingleton<Catalog>();
        services.AddSingleton<ClusterSecret>();
        services.AddSingleton<GrainCallRouter>(sp => new GrainCallRouter(
            sp.GetRequiredService<Catalog>(), sp.GetRequiredService<PartitionOwnership>(), sp.GetRequiredService<PartitionMap>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>(),
            sp.GetService<IRemoteGrainInvoker>(), sp.GetRequiredService<LeaseManager>()));
        services.AddSingleton<IGrainCallInvoker>(sp => sp.GetRequiredService<GrainCallRouter>());
        services.AddSingleton<IGrainFactory, GrainFactory>();
        services.AddSingleton<ReminderRegistry>();
        services.AddSingleton<ReminderService>();
        services.AddSingleton<LeaseManager>();
        services.AddSingleton<Silo>();
        services.AddHostedService(sp => sp.GetRequiredService<Silo>());

        var builder = new SiloBuilder(services);
        if (configuration.GetValue<bool>("Cluster:DiagnosticGrains"))
        {
            builder.AddGrain<IDiagnosticCounterGrain, DiagnosticCounterGrain>();
        }
        configure(builder);
        if (!services.Any(d => d.ServiceType == typeof(IGrainStorage)))
        {
            builder.UseMemoryStorage();
        }
        return services;
    }
}
