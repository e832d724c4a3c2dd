using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Notifications.Orleans.Runtime.Activation;
using Notifications.Orleans.Runtime.Hosting;

namespace Notifications.Orleans.Runtime.Membership;

/// <summary>
/// Keeps this silo's membership and partition leases: heartbeats, renews what it holds, takes the
/// partitions that rendezvous hashing assigns to it once they are free or expired, and hands over
/// the ones another live silo should own. Partitions are spread evenly and move little when silos
/// join or leave.
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
    private readonly ClusterOptions _options = options.Value;

    public string SiloId => ownership.SiloId;

    /// <summary>Silos as last read.</summary>
    public IReadOnlyList<SiloRecord> Silos { get; private set; } = [];

    /// <summary>Joins the cluster: registers, then runs the first ownership round.</summary>
    public async Task JoinAsync(string address, CancellationToken cancellationToken)
    {
        await leases.EnsurePartitionsAsync(partitions.Count, cancellationToken);
        await membership.RegisterAsync(SiloId, address, time.GetUtcNow(), cancellationToken);
        await RunRoundAsync(cancellationToken);
    }

    /// <summary>Updates this silo's advertised address (known only once the listener is up).</summary>
    public Task AdvertiseAsync(string address, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        membership.RegisterAsync(SiloId, address, startedAt, cancellationToken);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.LeaseRenewInterval, time, stoppingToken);
                await RunRoundAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Lease round failed");
                // Cannot renew: stop serving partitions whose leases may be about to expire.
                await DropAsync(ownership.LapsedPartitions(), DeactivationReason.PartitionHandedOver);
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
            ownership.Hold(renewed, started);
            var renewedSet = renewed.Select(l => l.Partition).ToHashSet();
            var lost = held.Where(l => !renewedSet.Contains(l.Partition)).Select(l => l.Partition).ToList();
            if (lost.Count > 0)
            {
                logger.LogWarning("Lost {Count} partition leases to other silos", lost.Count);
                await DropAsync(lost, DeactivationReason.PartitionHandedOver);
            }
        }

        var silos = await membership.ReadAllAsync(cancellationToken);
        Silos = silos;
        var live = silos.Where(s => s.IsAlive(_options.SiloDeathTimeout)).Select(s => s.SiloId).ToList();
        if (!live.Contains(SiloId, StringComparer.Ordinal))
        {
            live.Add(SiloId);
        }
        var addresses = silos.ToDictionary(s => s.SiloId, s => s.Address, StringComparer.Ordinal);
        var rows = await leases.ReadAllAsync(cancellationToken);

        var toAcquire = rows
            .Where(r => (r.Owner is null || r.Expired) && DesiredOwner(r.Partition, live) == SiloId)
            .Select(r => r.Partition)
            .ToList();
        if (toAcquire.Count > 0)
        {
            var acquired = await leases.TryAcquireAsync(SiloId, toAcquire, _options.LeaseDuration, cancellationToken);
            ownership.Hold(acquired, started);
            if (acquired.Count > 0)
            {
                logger.LogInformation("Took {Count} partitions", acquired.Count);
            }
            rows = rows.Select(r => acquired.Any(a => a.Partition == r.Partition) ? r with { Owner = SiloId, Expired = false } : r).ToList();
        }

        ownership.SetOwners(rows
            .Where(r => r.Owner is not null && !r.Expired && addresses.ContainsKey(r.Owner))
            .ToDictionary(r => r.Partition, r => new SiloAddress(r.Owner!, addresses[r.Owner!])));

        var toHandOver = ownership.HeldLeases
            .Where(l => DesiredOwner(l.Partition, live) != SiloId)
            .Take(_options.MaxHandoversPerRound)
            .ToList();
        if (toHandOver.Count > 0)
        {
            await HandOverAsync(toHandOver, DeactivationReason.PartitionHandedOver, cancellationToken);
        }
    }

    /// <summary>Graceful leave: stop serving, deactivate everything, release all leases at once.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await membership.SetStatusAsync(SiloId, SiloStatus.ShuttingDown, cancellationToken);
        await HandOverAsync(ownership.HeldLeases, DeactivationReason.ShuttingDown, cancellationToken);
        await membership.SetStatusAsync(SiloId, SiloStatus.Stopped, cancellationToken);
    }

    private async Task HandOverAsync(IReadOnlyCollection<HeldLease> handOver, DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Stop taking calls first, then deactivate while the lease row is still ours so last writes are accepted.
        var partitionsToMove = handOver.Select(l => l.Partition).ToList();
        ownership.Drop(partitionsToMove);
        await catalog.DeactivatePartitionsAsync(partitionsToMove, reason);
        await leases.ReleaseAsync(SiloId, handOver, cancellationToken);
        logger.LogInformation("Handed over {Count} partitions", handOver.Count);
    }

    private async Task DropAsync(IReadOnlyCollection<int> lost, DeactivationReason reason)
    {
        var dropped = ownership.Drop(lost);
        if (dropped.Count > 0)
        {
            await catalog.DeactivatePartitionsAsync(dropped, reason);
        }
    }

    /// <summary>Rendezvous hashing: the live silo with the highest score for the partition.</summary>
    internal static string DesiredOwner(int partition, IReadOnlyList<string> liveSilos)
    {
        string? best = null;
        var bestScore = 0u;
        foreach (var silo in liveSilos)
        {
            var score = PartitionMap.StableHash(silo, partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (best is null || score > bestScore || (score == bestScore && string.CompareOrdinal(silo, best) < 0))
            {
                best = silo;
                bestScore = score;
            }
        }
        return best!;
    }
}
