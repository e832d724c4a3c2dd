using System.Text;
using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Storage;
using PaymentNotifications.Runtime.Storage.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace PaymentNotifications.Grains.Storage;

/// <summary>
/// Notification records in the notifications table: the grain's state storage (versioned, fenced
/// writes; UNIQUE (tenant, idempotency key) as the last line against duplicates) and the indexed
/// queries of the API, dead letters and reconciliation.
/// </summary>
public sealed class PostgresNotificationStore(NpgsqlDataSource dataSource, PartitionMap partitions, PostgresWriteBatcher writes) : IGrainStorage, INotificationQueries
{
    private const string Columns = """
        tenant_id = @tenant, idempotency_key = @key, partition_id = @partition, type = @type, channel = @channel,
        priority = @priority, state = @state, user_id = @user, merchant_id = @merchant, attempt_count = @attempts,
        next_attempt_at = @next, created_at = @created, updated_at = @updated, completed_at = @completed, payload = @payload
        """;

    public async Task ReadStateAsync<T>(GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT version, payload FROM notifications WHERE id = @id");
        command.Parameters.AddWithValue("id", grainId.Key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            grainState.ETag = StateVersion.Format(reader.GetInt64(0));
            grainState.State = (T)(object)Deserialize(reader.GetString(1));
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    public async Task WriteStateAsync<T>(GrainId grainId, IGrainState<T> grainState, WriteFence fence, CancellationToken cancellationToken)
    {
        var record = (NotificationRecord)(object)grainState.State!;
        var sql = grainState.ETag is null
            ? $"""
               INSERT INTO notifications (id, tenant_id, idempotency_key, partition_id, type, channel, priority, state, user_id, merchant_id,
                   attempt_count, next_attempt_at, created_at, updated_at, completed_at, version, payload)
               SELECT @id, @tenant, @key, @partition, @type, @channel, @priority, @state, @user, @merchant,
                   @attempts, @next, @created, @updated, @completed, 1, @payload
               WHERE {PostgresGrainStorage.FenceCondition}
               ON CONFLICT DO NOTHING
               """
            : $"""
               UPDATE notifications SET {Columns}, version = version + 1
               WHERE id = @id AND version = @version AND {PostgresGrainStorage.FenceCondition}
               """;
        var command = new NpgsqlBatchCommand(sql);
        var p = command.Parameters;
        p.AddWithValue("id", grainId.Key);
        p.AddWithValue("tenant", record.TenantId);
        p.AddWithValue("key", record.IdempotencyKey);
        p.AddWithValue("partition", fence.Partition);
        p.AddWithValue("silo", fence.SiloId);
        p.AddWithValue("epoch", fence.Epoch);
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
        p.AddWithValue("payload", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(record, DomainJsonContext.Default.NotificationRecord));
        p.AddWithValue("version", StateVersion.Parse(grainState.ETag));
        if (partitions.GetPartition(grainId) != fence.Partition)
        {
            throw new ArgumentException($"Fence names partition {fence.Partition}, but {grainId} lives in another.", nameof(fence));
        }
        if (await writes.ExecuteAsync(command) == 0)
        {
            throw await PostgresGrainStorage.DiagnoseRefusedWriteAsync(dataSource, grainId, grainState.ETag, fence, cancellationToken);
        }
        grainState.ETag = StateVersion.Format(StateVersion.Parse(grainState.ETag) + 1);
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(GrainId grainId, IGrainState<T> grainState, WriteFence fence, CancellationToken cancellationToken) =>
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

    public async Task<IReadOnlyList<string>> FindOverdueAsync(IReadOnlyCollection<int> owned, DateTimeOffset dueBefore, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id FROM notifications
            WHERE state = 'PENDING' AND partition_id = ANY(@partitions) AND next_attempt_at < @dueBefore
            ORDER BY next_attempt_at LIMIT @limit
            """);
        command.Parameters.AddWithValue("partitions", owned.ToArray());
        command.Parameters.AddWithValue("dueBefore", dueBefore.UtcDateTime);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadIdsAsync(command, cancellationToken);
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
            SELECT count(*) FILTER (WHERE next_attempt_at <= @now), min(created_at) FROM notifications WHERE state = 'PENDING';
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
        return new NotificationStats(byState, reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
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
}
