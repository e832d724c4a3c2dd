using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Calls;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Reminders;
using PaymentNotifications.Runtime.Storage.Postgres;

namespace PaymentNotifications.Runtime.Hosting;

/// <summary>
/// The silo's life: migrate the schema; once the listener is up, join the cluster with its address
/// and take partitions; run the lease, reminder and idle-collection loops; on stop (SIGTERM,
/// Ctrl+C), before the listener closes, stop taking work, let turns in flight finish, deactivate
/// and hand every partition over at once. In the client role it only keeps the owner map.
/// </summary>
public sealed class Silo(
    IServiceProvider services,
    LeaseManager leaseManager,
    ReminderService reminders,
    Catalog catalog,
    GrainCallRouter router,
    PartitionOwnership ownership,
    ClusterSecret secret,
    TimeProvider time,
    IOptions<ClusterOptions> clusterOptions,
    IOptions<GrainCollectionOptions> collectionOptions,
    ILogger<Silo> logger) : IHostedLifecycleService
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private int _left;
    private volatile bool _serving;
    private bool _joined;

    public string SiloId => leaseManager.SiloId;

    public ClusterRole Role => clusterOptions.Value.Role;

    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>The address other silos reach this one at.</summary>
    public string Address { get; private set; } = "";

    /// <summary>Whether the silo has joined and its internal endpoint takes calls (false before start and after a crash).</summary>
    public bool IsServing => _serving;

    /// <summary>How long the last graceful stop took, from the stop signal until every partition was released.</summary>
    public TimeSpan? LastStopDuration { get; private set; }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        StartedAt = time.GetUtcNow();
        if (services.GetService<SchemaMigrator>() is { } migrator)
        {
            var applied = await migrator.MigrateAsync(cancellationToken);
            logger.LogInformation("Schema ready ({Applied} migrations applied)", applied.Count);
        }
        // Resolved now so a missing or unreadable secret fails the start, not the first call.
        await secret.GetAsync(cancellationToken);
    }

    // Runs after the listener has started, so the address this silo advertises is the one it serves on.
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (Role == ClusterRole.Client)
        {
            await leaseManager.RefreshOwnersAsync(cancellationToken);
            _serving = true;
            _loops.Add(Task.Run(() => leaseManager.RunClientAsync(_stopping.Token), CancellationToken.None));
            logger.LogInformation("Cluster client {SiloId} routes to {Count} partition owners", SiloId, ownership.Owners.Count);
            return;
        }
        Address = ResolveAddress();
        await leaseManager.JoinAsync(Address, StartedAt, cancellationToken);
        _joined = true;
        _serving = true;
        logger.LogInformation("Silo {SiloId} at {Address} joined and owns {Count} partitions", SiloId, Address, ownership.ValidPartitions.Count);

        _loops.Add(Task.Run(() => leaseManager.RunAsync(_stopping.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => reminders.RunAsync(_stopping.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => CollectIdleAsync(_stopping.Token), CancellationToken.None));
    }

    // Runs before the listener stops: while partitions move, calls that reach this silo are answered "not owner".
    public Task StoppingAsync(CancellationToken cancellationToken) => LeaveAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => LeaveAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task LeaveAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _left, 1) == 1)
        {
            return;
        }
        var started = time.GetTimestamp();
        router.BeginLeaving();
        await _stopping.CancelAsync();
        // The reminder loop returns once its ticks in flight have finished.
        await Task.WhenAll(_loops);
        if (_joined)
        {
            try
            {
                await leaseManager.LeaveAsync(cancellationToken);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Silo {SiloId} could not hand its partitions over; they move when the leases expire", SiloId);
            }
        }
        LastStopDuration = time.GetElapsedTime(started);
        logger.LogInformation("Silo {SiloId} stopped in {Elapsed} ms", SiloId, (int)LastStopDuration.Value.TotalMilliseconds);
    }

    /// <summary>Dies as a killed process would: no handover, no lease release, no further calls served or sent.</summary>
    internal void Crash()
    {
        Interlocked.Exchange(ref _left, 1);
        _serving = false;
        router.Abort();
        ownership.DropAll();
        _stopping.Cancel();
    }

    /// <summary>Stops heartbeats and lease renewals, as a process paused by the OS or a debugger (test cluster).</summary>
    internal void PauseLeaseRenewal() => leaseManager.PauseRenewal();

    internal void ResumeLeaseRenewal() => leaseManager.ResumeRenewal();

    private string ResolveAddress()
    {
        if (!string.IsNullOrEmpty(clusterOptions.Value.InternalUrl))
        {
            return clusterOptions.Value.InternalUrl.TrimEnd('/');
        }
        var address = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return "";
        }
        // A wildcard listener is reached on the loopback here; silos on other machines need Cluster:InternalUrl.
        return address.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }

    private async Task CollectIdleAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(collectionOptions.Value.CollectionQuantum, time, stoppingToken);
                var collected = await catalog.CollectIdleAsync();
                if (collected > 0)
                {
                    logger.LogDebug("Deactivated {Count} idle activations", collected);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Idle collection failed");
            }
        }
    }
}
