using System.Collections.Concurrent;
using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Notifications;
using System.Globalization;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace PaymentNotifications.Grains.Storage;

/// <summary>Notification records in process memory (dev mode), with the same write checks and queries as PostgreSQL.</summary>
public sealed class MemoryNotificationStore : IGrainStorage, INotificationQueries
{
    private readonly ConcurrentDictionary<string, (long Version, byte[] Json)> _rows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Tenant, string Key), string> _byIdempotencyKey = new();
    // Next attempt of every PENDING notification, so schedulers do not read every record each poll.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_rows.TryGetValue(grainId.Key.ToString()!, out var row))
        {
            grainState.State = (T)(object)Deserialize(row.Json);
            grainState.ETag = Format(row.Version);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var record = (NotificationRecord)(object)grainState.State!;
        var json = JsonSerializer.SerializeToUtf8Bytes(record, DomainJsonContext.Default.NotificationRecord);
        lock (_writeLock)
        {
            var stored = _rows.TryGetValue(record.Id, out var row) ? row.Version : 0;
            var expected = grainState.ETag is null ? 0 : long.Parse(grainState.ETag, CultureInfo.InvariantCulture);
            if (stored != expected || (stored == 0 && !_byIdempotencyKey.TryAdd((record.TenantId, record.IdempotencyKey), record.Id)))
            {
                throw new InconsistentStateException(
                    $"Notification {record.Id} was written by another activation (expected version {grainState.ETag ?? "none"}).", Format(stored), grainState.ETag);
            }
            _rows[record.Id] = (stored + 1, json);
            if (record.State == NotificationState.Pending && record.NextAttemptAt is { } next)
            {
                _due[record.Id] = next;
            }
            else
            {
                _due.TryRemove(record.Id, out _);
            }
            grainState.ETag = Format(stored + 1);
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
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

    public Task<IReadOnlyList<string>> FindContentDueForRemovalAsync(DateTimeOffset criticalBefore, DateTimeOffset allBefore, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> ids = All()
            .Where(r => r.ContentRemovedAt is null && r.CompletedAt is { } completed
                && (completed < allBefore || (r.Priority == Priority.Critical && completed < criticalBefore)))
            .OrderBy(r => r.CompletedAt)
            .Take(limit)
            .Select(r => r.Id)
            .ToList();
        return Task.FromResult(ids);
    }

    public Task<IReadOnlyList<DueNotification>> FindDueAsync(BucketRange buckets, DueNotification? after, DateTimeOffset dueBy, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<DueNotification> due = _due
            .Where(d => d.Value <= dueBy && buckets.Contains(NotificationId.BucketOf(d.Key)))
            .Select(d => new DueNotification(d.Key, d.Value))
            .Where(d => after is null || d.DueAt > after.DueAt || (d.DueAt == after.DueAt && string.CompareOrdinal(d.Id, after.Id) > 0))
            .OrderBy(d => d.DueAt).ThenBy(d => d.Id, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
        return Task.FromResult(due);
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
            pending.Count == 0 ? null : pending.Min(r => r.CreatedAt),
            pending.Where(r => r.NextAttemptAt <= now).Min(r => r.NextAttemptAt)));
    }

    private static string Format(long version) => version.ToString(CultureInfo.InvariantCulture);

    private IEnumerable<NotificationRecord> All() => _rows.Values.Select(r => Deserialize(r.Json));

    private static NotificationRecord Deserialize(byte[] json) => JsonSerializer.Deserialize(json, DomainJsonContext.Default.NotificationRecord)!;

    private static NotificationPage MemoryPage(List<NotificationRecord> rows, int limit) =>
        new(rows.Take(limit).Select(r => r.ToView()).ToList(),
            rows.Count > limit ? new NotificationCursor(rows[limit - 1].CreatedAt, rows[limit - 1].Id).Encode() : null);
}
