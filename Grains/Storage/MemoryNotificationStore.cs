using System.Collections.Concurrent;
using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Storage;

namespace PaymentNotifications.Grains.Storage;

/// <summary>Notification records in process memory (dev mode), with the same write checks and queries as PostgreSQL.</summary>
public sealed class MemoryNotificationStore(MemoryPartitionLeaseTable leases, PartitionMap partitions) : IGrainStorage, INotificationQueries
{
    private readonly ConcurrentDictionary<string, (long Version, byte[] Json)> _rows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Tenant, string Key), string> _byIdempotencyKey = new();
    private readonly Lock _writeLock = new();

    public Task ReadStateAsync<T>(GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        if (_rows.TryGetValue(grainId.Key, out var row))
        {
            grainState.State = (T)(object)Deserialize(row.Json);
            grainState.ETag = StateVersion.Format(row.Version);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(GrainId grainId, IGrainState<T> grainState, WriteFence fence, CancellationToken cancellationToken)
    {
        var record = (NotificationRecord)(object)grainState.State!;
        var json = JsonSerializer.SerializeToUtf8Bytes(record, DomainJsonContext.Default.NotificationRecord);
        lock (_writeLock)
        {
            if (!leases.IsCurrent(fence) || partitions.GetPartition(grainId) != fence.Partition)
            {
                throw new PartitionLeaseLostException(fence.Partition, $"Write of {grainId} refused: the lease is not current.");
            }
            var stored = _rows.TryGetValue(grainId.Key, out var row) ? row.Version : 0;
            if (stored != StateVersion.Parse(grainState.ETag))
            {
                throw StateVersion.Conflict(grainId, grainState.ETag);
            }
            if (stored == 0 && !_byIdempotencyKey.TryAdd((record.TenantId, record.IdempotencyKey), grainId.Key))
            {
                throw StateVersion.Conflict(grainId, grainState.ETag);
            }
            _rows[grainId.Key] = (stored + 1, json);
            grainState.ETag = StateVersion.Format(stored + 1);
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(GrainId grainId, IGrainState<T> grainState, WriteFence fence, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Notification records are never deleted by grains.");

    public Task<NotificationPage> ListAsync(string? tenantId, NotificationFilter filter, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var hasCursor = NotificationCursor.TryDecode(cursor, out var after);
        var rows = All()
            .Where(r => tenantId is null || r.TenantId == tenantId)
            .Where(r => filter.State is null || r.State == filter.State)
            .Where(r => filter.Channel is null || r.Channel == filter.Channel)
            .Where(r => filter.Type is null || r.Type == filter.Type)
            .Where(r => filter.UserId is null || r.Recipient.UserId == filter.UserId)
            .Where(r => filter.Since is null || (filter.State == NotificationState.Failed ? r.CompletedAt >= filter.Since : r.CreatedAt >= filter.Since))
            .Where(r => !hasCursor || after.IsAfter(r.CreatedAt, r.Id))
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        return Task.FromResult(MemoryPage(rows, limit));
    }

    public Task<IReadOnlyList<string>> FindFailedAsync(string? tenantId, DateTimeOffset since, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> ids = All()
            .Where(r => r.State == NotificationState.Failed && r.CompletedAt >= since && (tenantId is null || r.TenantId == tenantId))
            .OrderByDescending(r => r.CompletedAt)
            .Take(limit)
            .Select(r => r.Id)
            .ToList();
        return Task.FromResult(ids);
    }

    public Task<IReadOnlyList<string>> FindOverdueAsync(IReadOnlyCollection<int> owned, DateTimeOffset dueBefore, int limit, CancellationToken cancellationToken)
    {
        var set = owned.ToHashSet();
        IReadOnlyList<string> ids = All()
            .Where(r => r.State == NotificationState.Pending && r.NextAttemptAt < dueBefore && set.Contains(partitions.GetPartition(new GrainId("notification", r.Id))))
            .OrderBy(r => r.NextAttemptAt)
            .Take(limit)
            .Select(r => r.Id)
            .ToList();
        return Task.FromResult(ids);
    }

    public Task<string?> FindTenantAsync(string notificationId, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.TryGetValue(notificationId, out var row) ? Deserialize(row.Json).TenantId : null);

    public Task<NotificationStats> ReadStatsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var all = All().ToList();
        var pending = all.Where(r => r.State == NotificationState.Pending).ToList();
        return Task.FromResult(new NotificationStats(
            all.GroupBy(r => WireNames.Of(r.State)).ToDictionary(g => g.Key, g => (long)g.Count()),
            pending.Count(r => r.NextAttemptAt <= now),
            pending.Count == 0 ? null : pending.Min(r => r.CreatedAt)));
    }

    private IEnumerable<NotificationRecord> All() => _rows.Values.Select(r => Deserialize(r.Json));

    private static NotificationRecord Deserialize(byte[] json) => JsonSerializer.Deserialize(json, DomainJsonContext.Default.NotificationRecord)!;

    private static NotificationPage MemoryPage(List<NotificationRecord> rows, int limit) =>
        new(rows.Take(limit).Select(r => r.ToView()).ToList(),
            rows.Count > limit ? new NotificationCursor(rows[limit - 1].CreatedAt, rows[limit - 1].Id).Encode() : null);
}
