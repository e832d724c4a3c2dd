using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Notifications;

namespace PaymentNotifications.Grains.Storage;

/// <summary>
/// Notification records in the queryable notifications table: the Orleans grain storage of the
/// notification grains (an ETag is the row version; a stale write changes nothing and raises
/// <see cref="InconsistentStateException"/>; UNIQUE (tenant, idempotency key) is the last line
/// against duplicates; writes of many activations share one round trip and one transaction through
/// <see cref="PostgresWriteBatcher"/>), and the indexed queries of the API, dead letters and schedulers.
/// </summary>
public sealed class PostgresNotificationStore(NpgsqlDataSource dataSource, PostgresWriteBatcher writes) : IGrainStorage, INotificationQueries
{
    private const string Columns = """
        tenant_id = @tenant, idempotency_key = @key, bucket = @bucket, type = @type, channel = @channel,
        priority = @priority, state = @state, user_id = @user, merchant_id = @merchant, attempt_count = @attempts,
        next_attempt_at = @next, created_at = @created, updated_at = @updated, completed_at = @completed, content_removed_at = @contentRemoved, payload = @payload
        """;

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var command = dataSource.CreateCommand("SELECT version, payload FROM notifications WHERE id = @id");
        command.Parameters.AddWithValue("id", grainId.Key.ToString()!);
        await using var reader = await command.ExecuteReaderAsync();
        if (await reader.ReadAsync())
        {
            grainState.ETag = reader.GetInt64(0).ToString(CultureInfo.InvariantCulture);
            grainState.State = (T)(object)Deserialize(reader.GetString(1));
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var record = (NotificationRecord)(object)grainState.State!;
        var version = ParseVersion(grainState.ETag);
        // A first write races on the primary key and the idempotency key: the loser inserts nothing.
        var sql = grainState.ETag is null
            ? """
              INSERT INTO notifications (id, tenant_id, idempotency_key, bucket, type, channel, priority, state, user_id, merchant_id,
                  attempt_count, next_attempt_at, created_at, updated_at, completed_at, content_removed_at, version, payload)
              VALUES (@id, @tenant, @key, @bucket, @type, @channel, @priority, @state, @user, @merchant,
                  @attempts, @next, @created, @updated, @completed, @contentRemoved, 1, @payload)
              ON CONFLICT DO NOTHING
              """
            : $"""
               UPDATE notifications SET {Columns}, version = version + 1
               WHERE id = @id AND version = @version
               """;
        var command = new NpgsqlBatchCommand(sql);
        var p = command.Parameters;
        p.AddWithValue("id", record.Id);
        p.AddWithValue("tenant", record.TenantId);
        p.AddWithValue("key", record.IdempotencyKey);
        p.AddWithValue("bucket", (short)NotificationId.BucketOf(record.Id));
        p.AddWithValue("type", record.Type);
        p.AddWithValue("channel", WireNames.Of(record.Channel));
        p.AddWithValue("priority", WireNames.Of(record.Priority));
        p.AddWithValue("state", WireNames.Of(record.State));
        p.AddWithValue("user", (object?)record.Recipient.UserId ?? DBNull.Value);
        p.AddWithValue("merchant", (object?)record.Recipient.MerchantId ?? DBNull.Value);
        p.AddWithValue("attempts", record.Attempts.Count);
        p.AddWithValue("next", NpgsqlDbType.TimestampTz, (object?)record.NextAttemptAt?.UtcDateTime ?? DBNull.Value);
        p.AddWithValue("created", record.CreatedAt.UtcDateTime);
        p.AddWithValue("updated", record.UpdatedAt.UtcDateTime);
        p.AddWithValue("completed", NpgsqlDbType.TimestampTz, (object?)record.CompletedAt?.UtcDateTime ?? DBNull.Value);
        p.AddWithValue("contentRemoved", NpgsqlDbType.TimestampTz, (object?)record.ContentRemovedAt?.UtcDateTime ?? DBNull.Value);
        p.AddWithValue("payload", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(record, DomainJsonContext.Default.NotificationRecord));
        p.AddWithValue("version", version);
        if (await writes.ExecuteAsync(command) == 0)
        {
            throw new InconsistentStateException(
                $"Notification {record.Id} was written by another activation (expected version {grainState.ETag ?? "none"}).", null, grainState.ETag);
        }
        grainState.ETag = (version + 1).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        throw new NotSupportedException("Notification records are never deleted by grains.");

    public async Task<NotificationPage> ListAsync(string? tenantId, NotificationFilter filter, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var where = new StringBuilder("TRUE");
        await using var command = dataSource.CreateCommand();
        void Add(string condition, string name, object value)
        {
            where.Append(" AND ").Append(condition);
            command.Parameters.AddWithValue(name, value);
        }
        if (tenantId is not null)
        {
            Add("tenant_id = @tenant", "tenant", tenantId);
        }
        if (filter.State is { } state)
        {
            Add("state = @state", "state", WireNames.Of(state));
        }
        if (filter.Channel is { } channel)
        {
            Add("channel = @channel", "channel", WireNames.Of(channel));
        }
        if (filter.Type is not null)
        {
            Add("type = @type", "type", filter.Type);
        }
        if (filter.UserId is not null)
        {
            Add("user_id = @user", "user", filter.UserId);
        }
        if (filter.Since is { } since)
        {
            Add(filter.State == NotificationState.Failed ? "completed_at >= @since" : "created_at >= @since", "since", since.UtcDateTime);
        }
        if (NotificationCursor.TryDecode(cursor, out var after))
        {
            Add("(created_at, id) < (@afterCreated, @afterId)", "afterCreated", after.CreatedAt.UtcDateTime);
            command.Parameters.AddWithValue("afterId", after.Id);
        }
        command.CommandText = $"SELECT payload FROM notifications WHERE {where} ORDER BY created_at DESC, id DESC LIMIT @limit";
        command.Parameters.AddWithValue("limit", limit + 1);

        var rows = new List<NotificationRecord>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(Deserialize(reader.GetString(0)));
            }
        }
        return new NotificationPage(
            rows.Take(limit).Select(r => r.ToView()).ToList(),
            rows.Count > limit ? new NotificationCursor(rows[limit - 1].CreatedAt, rows[limit - 1].Id).Encode() : null);
    }

    public async Task<IReadOnlyList<string>> FindFailedAsync(string? tenantId, DateTimeOffset since, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id FROM notifications
            WHERE state = 'FAILED' AND completed_at >= @since AND (@tenant::text IS NULL OR tenant_id = @tenant)
            ORDER BY completed_at DESC LIMIT @limit
            """);
        command.Parameters.AddWithValue("since", since.UtcDateTime);
        command.Parameters.AddWithValue("tenant", NpgsqlDbType.Text, (object?)tenantId ?? DBNull.Value);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadIdsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> FindContentDueForRemovalAsync(DateTimeOffset criticalBefore, DateTimeOffset allBefore, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            (SELECT id FROM notifications
             WHERE content_removed_at IS NULL AND completed_at IS NOT NULL AND priority = 'critical' AND completed_at < @criticalBefore
             ORDER BY completed_at LIMIT @limit)
            UNION
            (SELECT id FROM notifications
             WHERE content_removed_at IS NULL AND completed_at IS NOT NULL AND completed_at < @allBefore
             ORDER BY completed_at LIMIT @limit)
            """);
        command.Parameters.AddWithValue("criticalBefore", criticalBefore.UtcDateTime);
        command.Parameters.AddWithValue("allBefore", allBefore.UtcDateTime);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadIdsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<DueNotification>> FindDueAsync(BucketRange buckets, DueNotification? after, DateTimeOffset dueBy, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT id, next_attempt_at FROM notifications
            WHERE state = 'PENDING' AND next_attempt_at <= @dueBy AND bucket >= @from AND bucket < @to
              {(after is null ? "" : "AND (next_attempt_at, id) > (@afterDue, @afterId)")}
            ORDER BY next_attempt_at, id LIMIT @limit
            """);
        command.Parameters.AddWithValue("dueBy", dueBy.UtcDateTime);
        command.Parameters.AddWithValue("from", (short)buckets.From);
        command.Parameters.AddWithValue("to", (short)Math.Min(buckets.To, short.MaxValue));
        command.Parameters.AddWithValue("limit", limit);
        if (after is not null)
        {
            command.Parameters.AddWithValue("afterDue", after.DueAt.UtcDateTime);
            command.Parameters.AddWithValue("afterId", after.Id);
        }
        var due = new List<DueNotification>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new DueNotification(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }
        return due;
    }

    public async Task<string?> FindTenantAsync(string notificationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT tenant_id FROM notifications WHERE id = @id");
        command.Parameters.AddWithValue("id", notificationId);
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    public async Task<NotificationStats> ReadStatsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT state, count(*) FROM notifications GROUP BY state;
            SELECT count(*) FILTER (WHERE next_attempt_at <= @now), min(created_at), min(next_attempt_at) FROM notifications WHERE state = 'PENDING';
            """);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var byState = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            byState[reader.GetString(0)] = reader.GetInt64(1);
        }
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var overdue = reader.GetInt64(0);
        var oldestDue = reader.IsDBNull(2) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(2);
        return new NotificationStats(byState, overdue, reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
            overdue > 0 ? oldestDue : null);
    }

    private static async Task<IReadOnlyList<string>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    private static NotificationRecord Deserialize(string json) => JsonSerializer.Deserialize(json, DomainJsonContext.Default.NotificationRecord)!;

    private static long ParseVersion(string? etag) => etag is null ? 0 : long.Parse(etag, CultureInfo.InvariantCulture);
}
