namespace PaymentNotifications.Runtime.Membership;

/// <summary>Partition leases in process memory, for dev mode and in-process tests.</summary>
public sealed class MemoryPartitionLeaseTable(TimeProvider time) : IPartitionLeaseTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (string? Owner, long Epoch, DateTimeOffset ExpiresAt)> _rows = [];

    /// <summary>Whether the fence names the current owner and epoch of its partition.</summary>
    public bool IsCurrent(Storage.WriteFence fence)
    {
        lock (_lock)
        {
            return _rows.TryGetValue(fence.Partition, out var row) && row.Owner == fence.SiloId && row.Epoch == fence.Epoch;
        }
    }

    public Task EnsurePartitionsAsync(int count, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            for (var p = 0; p < count; p++)
            {
                _rows.TryAdd(p, (null, 0, DateTimeOffset.MinValue));
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PartitionLeaseRecord>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            IReadOnlyList<PartitionLeaseRecord> all = _rows
                .OrderBy(r => r.Key)
                .Select(r => new PartitionLeaseRecord(r.Key, r.Value.Owner, r.Value.Epoch, r.Value.ExpiresAt <= now))
                .ToList();
            return Task.FromResult(all);
        }
    }

    public Task<IReadOnlyList<HeldLease>> TryAcquireAsync(string siloId, IReadOnlyCollection<int> partitions, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var taken = new List<HeldLease>();
        lock (_lock)
        {
            foreach (var p in partitions)
            {
                if (_rows.TryGetValue(p, out var row) && (row.Owner is null || row.ExpiresAt <= now || row.Owner == siloId))
                {
                    _rows[p] = (siloId, row.Epoch + 1, now + duration);
                    taken.Add(new HeldLease(p, row.Epoch + 1));
                }
            }
        }
        return Task.FromResult<IReadOnlyList<HeldLease>>(taken);
    }

    public Task<IReadOnlyList<HeldLease>> RenewAsync(string siloId, IReadOnlyCollection<HeldLease> leases, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var renewed = new List<HeldLease>();
        lock (_lock)
        {
            foreach (var lease in leases)
            {
                if (_rows.TryGetValue(lease.Partition, out var row) && row.Owner == siloId && row.Epoch == lease.Epoch)
                {
                    _rows[lease.Partition] = (siloId, row.Epoch, now + duration);
                    renewed.Add(lease);
                }
            }
        }
        return Task.FromResult<IReadOnlyList<HeldLease>>(renewed);
    }

    public Task ReleaseAsync(string siloId, IReadOnlyCollection<HeldLease> leases, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var lease in leases)
            {
                if (_rows.TryGetValue(lease.Partition, out var row) && row.Owner == siloId && row.Epoch == lease.Epoch)
                {
                    _rows[lease.Partition] = (null, row.Epoch, DateTimeOffset.MinValue);
                }
            }
        }
        return Task.CompletedTask;
    }
}
