using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Notifications.Orleans.Runtime.Hosting;
using Notifications.Orleans.Runtime.Storage;

namespace Notifications.Orleans.Runtime.Membership;

/// <summary>A silo known to the cluster, as routing needs it.</summary>
public sealed record SiloAddress(string SiloId, string Address);

/// <summary>
/// This silo's view of partition ownership: the leases it holds (each valid until a local deadline
/// that ends before the lease can expire in the database) and who owns the others.
/// </summary>
public sealed class PartitionOwnership(IOptions<ClusterOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<int, (long Epoch, long ValidUntil)> _held = new();
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
            return _held.Where(h => h.Value.ValidUntil > now).Select(h => h.Key).Order().ToList();
        }
    }

    public IReadOnlyCollection<HeldLease> HeldLeases => _held.Select(h => new HeldLease(h.Key, h.Value.Epoch)).ToList();

    /// <summary>The epoch of this silo's lease on the partition, when it holds one that is still valid.</summary>
    public bool TryGetValidLease(int partition, out long epoch)
    {
        if (_held.TryGetValue(partition, out var held) && held.ValidUntil > time.GetTimestamp())
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

    /// <summary>Records leases taken or renewed by a request sent at <paramref name="requestStartedAt"/> (a timestamp).</summary>
    internal void Hold(IEnumerable<HeldLease> leases, long requestStartedAt)
    {
        var o = options.Value;
        var validUntil = requestStartedAt + (long)((o.LeaseDuration - o.LeaseSafetyMargin).TotalSeconds * time.TimestampFrequency);
        foreach (var lease in leases)
        {
            _held[lease.Partition] = (lease.Epoch, validUntil);
        }
    }

    /// <summary>Forgets leases (released, lost or expired): calls for them stop being served here at once.</summary>
    internal IReadOnlyCollection<int> Drop(IEnumerable<int> partitions) => partitions.Where(p => _held.TryRemove(p, out _)).ToList();

    /// <summary>Held partitions whose local validity has run out (renewals failed).</summary>
    internal IReadOnlyCollection<int> LapsedPartitions()
    {
        var now = time.GetTimestamp();
        return _held.Where(h => h.Value.ValidUntil <= now).Select(h => h.Key).ToList();
    }

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
