using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Runtime.Calls;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Storage.Postgres;
using Npgsql;

namespace PaymentNotifications.Runtime.Testing;

/// <summary>How a <see cref="TestCluster"/> is built.</summary>
public sealed class TestClusterOptions
{
    /// <summary>The PostgreSQL database the silos share (an empty one per cluster).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Silos started by <see cref="TestCluster.StartAsync"/>. Default 3.</summary>
    public int InitialSilos { get; init; } = 3;

    /// <summary>Registers grains (and JSON contexts) on every silo and client.</summary>
    public Action<SiloBuilder> ConfigureSilo { get; init; } = _ => { };

    /// <summary>Adds services to every silo and client, e.g. probes shared by the test and the grains.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>Configuration over <see cref="TestCluster.DefaultSettings"/>, for every silo and client.</summary>
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Lowest level logged by the silos (to the console). Default Warning.</summary>
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Warning;
}

/// <summary>
/// Several silos in one process on one PostgreSQL database, each with its own Kestrel listener on
/// 127.0.0.1 port 0, so calls between them cross HTTP as in production. Silos can be added,
/// stopped gracefully (handover, as on SIGTERM) and killed (no handover, no lease release, as
/// kill -9). The in-process analogue of Orleans' TestingHost.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    /// <summary>
    /// Short leases so failover fits in a test: 3 s leases renewed every 0.5 s, silos dead after 2.5 s
    /// without heartbeat, 32 partitions, reminders polled every 200 ms.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> DefaultSettings { get; } = new Dictionary<string, string?>
    {
        ["Cluster:PartitionCount"] = "32",
        ["Cluster:LeaseDuration"] = "00:00:03",
        ["Cluster:LeaseRenewInterval"] = "00:00:00.500",
        ["Cluster:LeaseSafetyMargin"] = "00:00:00.500",
        ["Cluster:SiloDeathTimeout"] = "00:00:02.500",
        ["Cluster:CallTimeout"] = "00:00:30",
        ["Reminders:PollInterval"] = "00:00:00.200",
        ["Reminders:FailedTickRetryDelay"] = "00:00:01",
    };

    private readonly TestClusterOptions _options;
    private readonly Dictionary<string, string?> _settings;
    private readonly List<TestClusterSilo> _silos = [];
    private readonly List<TestClusterClient> _clients = [];
    private readonly NpgsqlDataSource _observer;
    private int _nextSilo;

    private TestCluster(TestClusterOptions options)
    {
        _options = options;
        _settings = new Dictionary<string, string?>(DefaultSettings)
        {
            // One secret per cluster, as an operator would configure it.
            ["Cluster:Secret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)),
        };
        foreach (var (key, value) in options.Settings)
        {
            _settings[key] = value;
        }
        _observer = NpgsqlDataSource.Create(options.ConnectionString);
        Leases = new PostgresPartitionLeaseTable(_observer);
        Membership = new PostgresMembershipTable(_observer);
    }

    /// <summary>The silos started and not stopped or killed, oldest first.</summary>
    public IReadOnlyList<TestClusterSilo> Silos
    {
        get
        {
            lock (_silos)
            {
                return [.. _silos.Where(s => s.State == TestSiloState.Running)];
            }
        }
    }

    /// <summary>The partition lease table as the database holds it (read outside any silo).</summary>
    public IPartitionLeaseTable Leases { get; }

    /// <summary>The membership table as the database holds it.</summary>
    public IMembershipTable Membership { get; }

    /// <summary>The settings every silo and client of this cluster gets.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;

    public int PartitionCount => int.Parse(_settings["Cluster:PartitionCount"]!, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Starts the cluster with <see cref="TestClusterOptions.InitialSilos"/> silos, one after the other.</summary>
    public static async Task<TestCluster> StartAsync(TestClusterOptions options, CancellationToken cancellationToken = default)
    {
        var cluster = new TestCluster(options);
        try
        {
            for (var i = 0; i < options.InitialSilos; i++)
            {
                await cluster.StartSiloAsync(cancellationToken);
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more silo; it joins and takes its share of partitions over the next rounds.</summary>
    public async Task<TestClusterSilo> StartSiloAsync(CancellationToken cancellationToken = default)
    {
        var siloId = $"silo-{Interlocked.Increment(ref _nextSilo)}";
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cluster:SiloId"] = siloId });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        ConfigureLogging(builder.Logging);
        _options.ConfigureServices?.Invoke(builder.Services);
        builder.Services.AddSilo(builder.Configuration, silo =>
        {
            silo.UsePostgres(_options.ConnectionString);
            _options.ConfigureSilo(silo);
        });
        var app = builder.Build();
        app.MapSiloInternalEndpoint();
        await app.StartAsync(cancellationToken);
        var silo = new TestClusterSilo(app);
        lock (_silos)
        {
            _silos.Add(silo);
        }
        return silo;
    }

    /// <summary>Starts a client-role node: it routes calls into the cluster and owns nothing.</summary>
    public async Task<TestClusterClient> StartClientAsync(CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:SiloId"] = $"client-{Guid.NewGuid():N}"[..15],
            ["Cluster:Role"] = nameof(ClusterRole.Client),
        });
        ConfigureLogging(builder.Logging);
        _options.ConfigureServices?.Invoke(builder.Services);
        builder.Services.AddSilo(builder.Configuration, silo =>
        {
            silo.UsePostgres(_options.ConnectionString);
            _options.ConfigureSilo(silo);
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        var client = new TestClusterClient(host);
        lock (_clients)
        {
            _clients.Add(client);
        }
        return client;
    }

    /// <summary>Stops a silo as on SIGTERM: it stops taking work, finishes its turns, hands its partitions over and exits.</summary>
    public async Task StopSiloAsync(TestClusterSilo silo, CancellationToken cancellationToken = default)
    {
        if (silo.State != TestSiloState.Running)
        {
            return;
        }
        silo.State = TestSiloState.Stopped;
        await silo.App.StopAsync(cancellationToken);
        await silo.App.DisposeAsync();
    }

    /// <summary>
    /// Kills a silo as kill -9 would: its loops stop, its listener drops every connection, it serves
    /// and sends nothing more, and it neither hands over nor releases its leases: other silos take
    /// its partitions only once they see it dead and its leases expired.
    /// </summary>
    public async Task KillSiloAsync(TestClusterSilo silo)
    {
        if (silo.State != TestSiloState.Running)
        {
            return;
        }
        silo.State = TestSiloState.Killed;
        silo.Services.GetRequiredService<Hosting.Silo>().Crash();
        // A cancelled token makes Kestrel abort open connections instead of draining them.
        await silo.Services.GetRequiredService<IServer>().StopAsync(new CancellationToken(canceled: true));
        await silo.App.DisposeAsync();
    }

    /// <summary>
    /// Waits until every partition is held, unexpired, by the running silo that
    /// <see cref="PartitionAssignment"/> gives it to, and every silo routes by that map.
    /// </summary>
    public async Task WaitForBalancedOwnershipAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        string? last = null;
        while (true)
        {
            var (balanced, why) = await CheckBalancedAsync(cancellationToken);
            if (balanced)
            {
                return;
            }
            last = why;
            if (TimeProvider.System.GetElapsedTime(deadline) > timeout)
            {
                throw new TimeoutException($"Partition ownership did not settle within {timeout}: {last}");
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    private async Task<(bool, string)> CheckBalancedAsync(CancellationToken cancellationToken)
    {
        var silos = Silos;
        if (silos.Count == 0)
        {
            return (false, "no running silo");
        }
        var desired = PartitionAssignment.Compute(PartitionCount, silos.Select(s => s.SiloId));
        var rows = await Leases.ReadAllAsync(cancellationToken);
        foreach (var row in rows)
        {
            if (row.Owner != desired[row.Partition] || row.Expired)
            {
                return (false, $"partition {row.Partition} is held by {row.Owner ?? "nobody"} (expired: {row.Expired}), wanted by {desired[row.Partition]}");
            }
        }
        foreach (var silo in silos)
        {
            var valid = silo.Ownership.ValidPartitions;
            var wanted = Enumerable.Range(0, PartitionCount).Where(p => desired[p] == silo.SiloId).ToList();
            if (!valid.SequenceEqual(wanted))
            {
                return (false, $"{silo.SiloId} serves {valid.Count} partitions, should serve {wanted.Count}");
            }
        }
        foreach (var silo in silos)
        {
            for (var p = 0; p < PartitionCount; p++)
            {
                if (silo.Ownership.OwnerOf(p)?.SiloId != desired[p])
                {
                    return (false, $"{silo.SiloId} routes partition {p} to {silo.Ownership.OwnerOf(p)?.SiloId ?? "nobody"}");
                }
            }
        }
        return (true, "");
    }

    private void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(_options.MinimumLogLevel);
        logging.AddSimpleConsole(o => o.SingleLine = true);
        // Kestrel reports aborted connections of killed silos at Error level; they are expected here.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Critical);
    }

    public async ValueTask DisposeAsync()
    {
        List<TestClusterClient> clients;
        lock (_clients)
        {
            clients = [.. _clients];
        }
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
        foreach (var silo in Silos.Reverse())
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await StopSiloAsync(silo, timeout.Token);
            }
            catch (Exception)
            {
                // Best effort: the database is thrown away with the test.
            }
        }
        await _observer.DisposeAsync();
    }
}

/// <summary>What became of a test silo.</summary>
public enum TestSiloState
{
    Running,
    Stopped,
    Killed,
}

/// <summary>One silo of a <see cref="TestCluster"/>.</summary>
public sealed class TestClusterSilo
{
    internal TestClusterSilo(WebApplication app)
    {
        App = app;
        Services = app.Services;
        Silo = app.Services.GetRequiredService<Hosting.Silo>();
    }

    internal WebApplication App { get; }

    internal Hosting.Silo Silo { get; }

    public TestSiloState State { get; internal set; } = TestSiloState.Running;

    public IServiceProvider Services { get; }

    public string SiloId => Silo.SiloId;

    /// <summary>The address of its internal endpoint (its Kestrel listener).</summary>
    public string Address => Silo.Address;

    /// <summary>References whose calls start on this silo.</summary>
    public IGrainFactory GrainFactory => Services.GetRequiredService<IGrainFactory>();

    public PartitionOwnership Ownership => Services.GetRequiredService<PartitionOwnership>();

    public GrainCallRouter Router => Services.GetRequiredService<GrainCallRouter>();

    /// <summary>Stops heartbeats and lease renewals, as if the process were paused; its turns go on.</summary>
    public void PauseLeaseRenewal() => Silo.PauseLeaseRenewal();

    public void ResumeLeaseRenewal() => Silo.ResumeLeaseRenewal();

    public override string ToString() => $"{SiloId} ({State})";
}

/// <summary>A client-role node of a <see cref="TestCluster"/>: routes calls, owns nothing.</summary>
public sealed class TestClusterClient : IAsyncDisposable
{
    private readonly IHost _host;

    internal TestClusterClient(IHost host) => _host = host;

    internal bool Stopped { get; private set; }

    public IServiceProvider Services => _host.Services;

    public IGrainFactory GrainFactory => _host.Services.GetRequiredService<IGrainFactory>();

    public PartitionOwnership Ownership => _host.Services.GetRequiredService<PartitionOwnership>();

    public GrainCallRouter Router => _host.Services.GetRequiredService<GrainCallRouter>();

    /// <summary>Stops the periodic owner-map reads, so the client routes by a stale map until a call is refused.</summary>
    public void PauseRouting() => _host.Services.GetRequiredService<LeaseManager>().PauseRenewal();

    public void ResumeRouting() => _host.Services.GetRequiredService<LeaseManager>().ResumeRenewal();

    public async ValueTask DisposeAsync()
    {
        if (Stopped)
        {
            return;
        }
        Stopped = true;
        await _host.StopAsync();
        _host.Dispose();
    }
}
