namespace PaymentNotifications.Runtime.Membership;

/// <summary>A partition's lease row as read; <see cref="Expired"/> is judged by the table's own clock.</summary>
public sealed record PartitionLeaseRecord(int Partition, string? Owner, long Epoch, bool Expired);

/// <summary>A lease this silo holds, with the epoch (fencing token) it holds it under.</summary>
public readonly record struct HeldLease(int Partition, long Epoch);

/// <summary>
/// Partition ownership by leases with a rising epoch. A lease can be taken only when free or
/// expired, and every takeover raises the epoch, which fences writes made under an older one.
/// </summary>
public interface IPartitionLeaseTable
{
    /// <summary>Creates the rows of partitions 0..count-1 that do not exist yet.</summary>
    Task EnsurePartitionsAsync(int count, CancellationToken cancellationToken);

    Task<IReadOnlyList<PartitionLeaseRecord>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Takes those of the partitions that are free, expired, or still name <paramref name="siloId"/> (left by an
    /// earlier process with the same id); returns the ones taken with their new epochs.
    /// </summary>
    Task<IReadOnlyList<HeldLease>> TryAcquireAsync(string siloId, IReadOnlyCollection<int> partitions, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Extends the leases still held under the same epoch; returns the ones extended.</summary>
    Task<IReadOnlyList<HeldLease>> RenewAsync(string siloId, IReadOnlyCollection<HeldLease> leases, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives leases up at once so another silo can take them without waiting for expiry.</summary>
    Task ReleaseAsync(string siloId, IReadOnlyCollection<HeldLease> leases, CancellationToken cancellationToken);
}
