using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Hosting;

namespace PaymentNotifications.Runtime.Membership;

/// <summary>
/// Keeps this silo's membership and partition leases: heartbeats, renews what it holds, takes the
/// partitions that <see cref="PartitionAssignment"/> gives it once they are free or expired, and
/// hands over the ones another live silo should own, so partitions stay spread evenly over live
/// silos as they join and leave. Also keeps the owner map calls are routed by, for silos and for
/// client-only processes.
/// </summary>
public sealed class LeaseManager(
    IMembershipTable membership,
    IPartitionLeaseTable leases,
    PartitionOwnership ownership,
    PartitionMap partitions,
    Catalog catalog,
    TimeProvider time,
    IOptions<ClusterOptions> options,
    ILogger<LeaseManager> logger)
{
    // Routers ask for a fresh owner map when a call meets a stale one; this bounds how often that reads the tables.
    private static readonly TimeSpan MinRefreshInterval = TimeSpan.FromMilliseconds(100);

    // Defunct silo rows are looked for this often, not every round.
    private static readonly TimeSpan DefunctSweepInterval = TimeSpan.FromMinutes(1);

    private readonly ClusterOptions _options = options.Value;
    private readonly Lock _refreshLock = new();
    private Task _refresh = Task.CompletedTask;
    private long _lastRefreshStarted = long.MinValue;
    private (string Key, string[] Owners)? _assignment;
    private volatile TaskCompletionSource? _paused;
    private readonly List<Task> _background = [];
    private long _lastDefunctSweep = long.MinValue;

    public string SiloId => ownership.SiloId;

    /// <summary>Silos as last read.</summary>
    public IReadOnlyList<SiloRecord> Silos { get; private set; } = [];

    /// <summary>Joins the cluster: registers with the address other silos reach this one at, then runs the first ownership round.</summary>
    public async Task JoinAsync(string address, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        await leases.EnsurePartitionsAsync(partitions.Count, cancellationToken);
        await membership.RegisterAsync(SiloId, address, startedAt, cancellationToken);
        await RunRoundAsync(cancellationToken);
    }

    /// <summary>The silo's loop: one ownership round per renew interval until stopped.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.LeaseRenewInterval, time, stoppingToken);
                if (_paused is { } paused)
                {
                    await paused.Task.WaitAsync(stoppingToken);
                }
                // A round that hangs (database unreachable) must not outlive the leases it renews.
                using var roundTimeout = new CancellationTokenSource(_options.LeaseDuration, time);
                using var round = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, roundTimeout.Token);
                await RunRoundAsync(round.Token);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping (or crashed): whatever the round was doing no longer matters.
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Lease round failed");
                // Cannot renew: stop serving partitions whose leases may be about to expire.
                Drop(ownership.LapsedPartitions());
            }
        }
    }

    /// <summary>A client's loop: reads the owner map once per renew interval; joins nothing and takes nothing.</summary>
    public async Task RunClientAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (_paused is { } paused)
                {
                    await paused.Task.WaitAsync(stoppingToken);
                }
                await RefreshOwnersAsync(stoppingToken);
                await Task.Delay(_options.LeaseRenewInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Reading cluster ownership failed");
                try
                {
                    await Task.Delay(_options.LeaseRenewInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>One round: heartbeat, renew, take what is ours, hand over what is not.</summary>
    public async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        await membership.HeartbeatAsync(SiloId, cancellationToken);

        var held = ownership.HeldLeases;
        if (held.Count > 0)
        {
            var renewed = await leases.RenewAsync(SiloId, held, _options.LeaseDuration, cancellationToken);
            ownership.Extend(renewed, started);
            var renewedSet = renewed.Select(l => l.Partition).ToHashSet();
            var lost = held.Where(l => !renewedSet.Contains(l.Partition)).Select(l => l.Partition).ToList();
            if (lost.Count > 0)
            {
                logger.LogWarning("Lost {Count} partition leases to other silos", lost.Count);
                Drop(lost);
            }
        }

        await RemoveDefunctSilosAsync(cancellationToken);
        var readStarted = time.GetTimestamp();
        var silos = await membership.ReadAllAsync(cancellationToken);
        Silos = silos;
        var live = silos.Where(s => s.IsAlive(_options.SiloDeathTimeout)).Select(s => s.SiloId).ToList();
        if (!live.Contains(SiloId, StringComparer.Ordinal))
        {
            live.Add(SiloId);
        }
        var desired = DesiredOwners(live);
        var rows = await leases.ReadAllAsync(cancellationToken);

        // A row still naming this silo but not held here is left from an earlier process with the same id.
        var heldNow = ownership.HeldLeases.Select(l => l.Partition).ToHashSet();
        var toAcquire = rows
            .Where(r => desired[r.Partition] == SiloId && !heldNow.Contains(r.Partition)
                && (r.Owner is null || r.Expired || r.Owner == SiloId))
            .Select(r => r.Partition)
            .ToList();
        if (toAcquire.Count > 0)
        {
            var acquired = await leases.TryAcquireAsync(SiloId, toAcquire, _options.LeaseDuration, cancellationToken);
            ownership.Hold(acquired, started);
            if (acquired.Count > 0)
            {
                logger.LogInformation("Took {Count} partitions", acquired.Count);
                var taken = acquired.Select(a => a.Partition).ToHashSet();
                rows = rows.Select(r => taken.Contains(r.Partition) ? r with { Owner = SiloId, Expired = false } : r).ToList();
            }
        }
        ownership.SetOwners(OwnerMap(rows, silos), readStarted);

        // Handovers run beside the loop (deactivation waits for turns in flight), their leases renewed until released.
        var toHandOver = ownership.ServedLeases
            .Where(l => desired[l.Partition] != SiloId)
            .Take(_options.MaxHandoversPerRound)
            .ToList();
        if (toHandOver.Count > 0)
        {
            ownership.StopServing(toHandOver.Select(l => l.Partition));
            Track(HandOverAsync(toHandOver, DeactivationReason.PartitionHandedOver, CancellationToken.None));
        }
    }

    // Rows of silos gone for longer than the retention only clutter the cluster view; any live silo removes them.
    private async Task RemoveDefunctSilosAsync(CancellationToken cancellationToken)
    {
        if (_lastDefunctSweep != long.MinValue && time.GetElapsedTime(_lastDefunctSweep) < DefunctSweepInterval)
        {
            return;
        }
        _lastDefunctSweep = time.GetTimestamp();
        var removed = await membership.RemoveDefunctAsync(_options.DefunctSiloRetention, cancellationToken);
        if (removed > 0)
        {
            logger.LogInformation("Removed {Count} silos unheard of for {Retention} from the membership table", removed, _options.DefunctSiloRetention);
        }
    }

    /// <summary>Reads who owns what now and updates the owner map calls are routed by.</summary>
    public async Task RefreshOwnersAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var silos = await membership.ReadAllAsync(cancellationToken);
        var rows = await leases.ReadAllAsync(cancellationToken);
        Silos = silos;
        ownership.SetOwners(OwnerMap(rows, silos), started);
    }

    /// <summary>
    /// Asks for a fresh owner map without waiting for it: a call met a silo that no longer owns its
    /// grain or could not be reached. Requests are merged, at most one read per 100 ms.
    /// </summary>
    public void RequestRefresh()
    {
        lock (_refreshLock)
        {
            if (!_refresh.IsCompleted || (_lastRefreshStarted != long.MinValue && time.GetElapsedTime(_lastRefreshStarted) < MinRefreshInterval))
            {
                return;
            }
            _lastRefreshStarted = time.GetTimestamp();
            _refresh = RefreshInBackgroundAsync();
        }
    }

    private async Task RefreshInBackgroundAsync()
    {
        await Task.Yield();
        try
        {
            await RefreshOwnersAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Owner map refresh failed");
        }
    }

    /// <summary>Graceful leave (after the round loop has stopped): stop serving, deactivate everything, release all leases at once.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await membership.SetStatusAsync(SiloId, SiloStatus.ShuttingDown, cancellationToken);
        var all = ownership.HeldLeases;
        ownership.StopServing(all.Select(l => l.Partition));
        await Task.WhenAll(BackgroundWork());
        await HandOverAsync(ownership.HeldLeases, DeactivationReason.ShuttingDown, cancellationToken);
        await membership.SetStatusAsync(SiloId, SiloStatus.Stopped, cancellationToken);
    }

    /// <summary>Stops the periodic rounds (heartbeats and renewals; a client's owner-map reads) until <see cref="ResumeRenewal"/>, as a paused process would (tests).</summary>
    internal void PauseRenewal() => Interlocked.CompareExchange(ref _paused, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    internal void ResumeRenewal() => Interlocked.Exchange(ref _paused, null)?.TrySetResult();

    private async Task HandOverAsync(IReadOnlyCollection<HeldLease> handOver, DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Stop taking calls first, then deactivate while the lease row is still ours so last writes are accepted.
        ownership.StopServing(handOver.Select(l => l.Partition));
        // Each partition is released as soon as its own activations are gone, idle ones at once: a turn that waits
        // on a grain of another partition being handed over gets its answer from that grain's next owner.
        var busy = catalog.PartitionsWithActivations();
        await ReleaseAsync([.. handOver.Where(l => !busy.Contains(l.Partition))], cancellationToken);
        await Parallel.ForEachAsync(handOver.Where(l => busy.Contains(l.Partition)), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (lease, token) =>
            {
                await catalog.DeactivatePartitionsAsync([lease.Partition], reason);
                await ReleaseAsync([lease], token);
            });
        logger.LogInformation("Handed over {Count} partitions", handOver.Count);
    }

    private async Task ReleaseAsync(IReadOnlyCollection<HeldLease> released, CancellationToken cancellationToken)
    {
        if (released.Count == 0)
        {
            return;
        }
        ownership.Drop(released.Select(l => l.Partition));
        await leases.ReleaseAsync(SiloId, released, cancellationToken);
    }

    // Lost or lapsed leases: stop serving them at once; their activations go away beside the loop.
    private void Drop(IReadOnlyCollection<int> partitionsLost)
    {
        var dropped = ownership.Drop(partitionsLost);
        if (dropped.Count > 0)
        {
            Track(catalog.DeactivatePartitionsAsync(dropped, DeactivationReason.PartitionHandedOver));
        }
    }

    private void Track(Task work)
    {
        var logged = LogFailureAsync(work);
        lock (_background)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(logged);
        }
    }

    private async Task LogFailureAsync(Task work)
    {
        try
        {
            await work;
        }
        catch (Exception e)
        {
            // A handover that fails to release leaves the leases to expire; nothing else is lost.
            logger.LogWarning(e, "Partition handover failed");
        }
    }

    private Task[] BackgroundWork()
    {
        lock (_background)
        {
            return [.. _background];
        }
    }

    private string[] DesiredOwners(IReadOnlyList<string> live)
    {
        var key = string.Join('\n', live.Order(StringComparer.Ordinal));
        if (_assignment is { } cached && cached.Key == key)
        {
            return cached.Owners;
        }
        var owners = PartitionAssignment.Compute(partitions.Count, live);
        _assignment = (key, owners);
        return owners;
    }

    private static Dictionary<int, SiloAddress> OwnerMap(IReadOnlyList<PartitionLeaseRecord> rows, IReadOnlyList<SiloRecord> silos)
    {
        var addresses = silos
            .Where(s => s.Status != SiloStatus.Stopped)
            .ToDictionary(s => s.SiloId, s => s.Address, StringComparer.Ordinal);
        return rows
            .Where(r => r.Owner is not null && !r.Expired && addresses.ContainsKey(r.Owner))
            .ToDictionary(r => r.Partition, r => new SiloAddress(r.Owner!, addresses[r.Owner!]));
    }
}
