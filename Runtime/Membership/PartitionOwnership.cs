using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Storage;

namespace PaymentNotifications.Runtime.Membership;

/// <summary>A silo known to the cluster, as routing needs it.</summary>
public sealed record SiloAddress(string SiloId, string Address);

/// <summary>
/// This silo's view of partition ownership: the leases it holds (each valid until a local deadline
/// that ends before the lease can expire in the database) and who owns the others. A lease being
/// handed over is still renewed, so its activations' last writes are accepted, but no longer served.
/// </summary>
public sealed class PartitionOwnership(IOptions<ClusterOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<int, HeldState> _held = new();
    private readonly Lock _ownersLock = new();
    private volatile IReadOnlyDictionary<int, SiloAddress> _owners = new Dictionary<int, SiloAddress>();
    private long _ownersReadAt = long.MinValue;

    public string SiloId { get; } = string.IsNullOrEmpty(options.Value.SiloId) ? $"silo-{Guid.NewGuid():N}"[..17] : options.Value.SiloId;

    /// <summary>Partitions this silo holds with a lease still valid by its own clock.</summary>
    public IReadOnlyCollection<int> ValidPartitions
    {
        get
        {
            var now = time.GetTimestamp();
            return _held.Where(h => h.Value.Serving && h.Value.ValidUntil > now).Select(h => h.Key).Order().ToList();
        }
    }

    /// <summary>Every lease this silo holds, served or being handed over: the ones to renew.</summary>
    public IReadOnlyCollection<HeldLease> HeldLeases => _held.Select(h => new HeldLease(h.Key, h.Value.Epoch)).ToList();

    /// <summary>Held leases this silo still serves (not being handed over).</summary>
    public IReadOnlyCollection<HeldLease> ServedLeases => _held.Where(h => h.Value.Serving).Select(h => new HeldLease(h.Key, h.Value.Epoch)).ToList();

    /// <summary>The epoch of this silo's lease on the partition, when it serves it under a lease that is still valid.</summary>
    public bool TryGetValidLease(int partition, out long epoch)
    {
        if (_held.TryGetValue(partition, out var held) && held.Serving && held.ValidUntil > time.GetTimestamp())
        {
            epoch = held.Epoch;
            return true;
        }
        epoch = 0;
        return false;
    }

    public WriteFence GetFence(int partition, long epoch) => new(partition, SiloId, epoch);

    /// <summary>The silo that owns the partition as last read, or null while it is unowned.</summary>
    public SiloAddress? OwnerOf(int partition) => _owners.GetValueOrDefault(partition);

    public IReadOnlyDictionary<int, SiloAddress> Owners => _owners;

    /// <summary>Records leases taken by a request sent at <paramref name="requestStartedAt"/> (a timestamp); they are served at once.</summary>
    internal void Hold(IEnumerable<HeldLease> leases, long requestStartedAt)
    {
        var validUntil = ValidUntil(requestStartedAt);
        foreach (var lease in leases)
        {
            _held[lease.Partition] = new HeldState(lease.Epoch, validUntil, Serving: true);
        }
    }

    /// <summary>
    /// Extends leases renewed by a request sent at <paramref name="requestStartedAt"/>. Only leases still held under
    /// the same epoch are extended: one dropped or released meanwhile must not come back.
    /// </summary>
    internal void Extend(IEnumerable<HeldLease> leases, long requestStartedAt)
    {
        var validUntil = ValidUntil(requestStartedAt);
        foreach (var lease in leases)
        {
            while (_held.TryGetValue(lease.Partition, out var held) && held.Epoch == lease.Epoch
                && !_held.TryUpdate(lease.Partition, held with { ValidUntil = validUntil }, held))
            {
            }
        }
    }

    /// <summary>Stops serving the partitions while their leases are still held and renewed (handover in progress).</summary>
    internal void StopServing(IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            while (_held.TryGetValue(partition, out var held) && held.Serving && !_held.TryUpdate(partition, held with { Serving = false }, held))
            {
            }
        }
    }

    private long ValidUntil(long requestStartedAt)
    {
        var o = options.Value;
        return requestStartedAt + (long)((o.LeaseDuration - o.LeaseSafetyMargin).TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>Forgets leases (released, lost or expired): calls for them stop being served here at once.</summary>
    internal IReadOnlyCollection<int> Drop(IEnumerable<int> partitions) => partitions.Where(p => _held.TryRemove(p, out _)).ToList();

    /// <summary>Held partitions whose local validity has run out (renewals failed).</summary>
    internal IReadOnlyCollection<int> LapsedPartitions()
    {
        var now = time.GetTimestamp();
        return _held.Where(h => h.Value.ValidUntil <= now).Select(h => h.Key).ToList();
    }

    private readonly record struct HeldState(long Epoch, long ValidUntil, bool Serving);

    /// <summary>Forgets every lease at once without releasing any (a crash as others see it).</summary>
    internal void DropAll() => _held.Clear();

    /// <summary>Replaces the owner map with one read at <paramref name="readStartedAt"/> (a timestamp), unless a newer read is already in.</summary>
    internal void SetOwners(IReadOnlyDictionary<int, SiloAddress> owners, long readStartedAt)
    {
        lock (_ownersLock)
        {
            if (readStartedAt < _ownersReadAt)
            {
                return;
            }
            _ownersReadAt = readStartedAt;
            _owners = owners;
        }
    }
}
