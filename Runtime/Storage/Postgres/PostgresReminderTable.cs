using PaymentNotifications.Runtime.Reminders;
using Npgsql;

namespace PaymentNotifications.Runtime.Storage.Postgres;

/// <summary>Durable reminders in PostgreSQL, indexed by (partition, due time) so a silo reads only its own due rows.</summary>
public sealed class PostgresReminderTable(NpgsqlDataSource dataSource, PostgresWriteBatcher writes) : IReminderTable
{
    private const string Columns = "grain_type, grain_key, name, partition_id, due_at, period_ms, version";

    public async Task<ReminderEntry> UpsertAsync(GrainId grainId, string name, int partition, DateTimeOffset dueAt, TimeSpan? period, CancellationToken cancellationToken)
    {
        // Versions are compared only for equality, so the writer picks a fresh one and the write needs no answer but its row count.
        var version = Random.Shared.NextInt64(1, long.MaxValue);
        var command = new NpgsqlBatchCommand($"""
            INSERT INTO rt_reminder ({Columns}) VALUES (@type, @key, @name, @partition, @due, @period, @version)
            ON CONFLICT (grain_type, grain_key, name) DO UPDATE
                SET partition_id = excluded.partition_id, due_at = excluded.due_at, period_ms = excluded.period_ms, version = excluded.version
            """);
        AddKey(command.Parameters, grainId, name);
        command.Parameters.AddWithValue("partition", partition);
        command.Parameters.AddWithValue("due", dueAt.UtcDateTime);
        command.Parameters.AddWithValue("period", period is { } p ? (object)(long)p.TotalMilliseconds : DBNull.Value);
        command.Parameters.AddWithValue("version", version);
        await writes.ExecuteAsync(command);
        return new ReminderEntry(grainId, name, partition, new DateTimeOffset(dueAt.UtcDateTime, TimeSpan.Zero), period, version);
    }

    public async Task<ReminderEntry?> ReadAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM rt_reminder WHERE grain_type = @type AND grain_key = @key AND name = @name");
        AddKey(command.Parameters, grainId, name);
        return (await ReadEntriesAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<ReminderEntry>> ReadForGrainAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM rt_reminder WHERE grain_type = @type AND grain_key = @key ORDER BY name");
        AddKey(command.Parameters, grainId, "");
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<bool> RemoveAsync(GrainId grainId, string name, long? expectedVersion, CancellationToken cancellationToken)
    {
        var command = new NpgsqlBatchCommand(
            "DELETE FROM rt_reminder WHERE grain_type = @type AND grain_key = @key AND name = @name AND (@version::bigint IS NULL OR version = @version)");
        AddKey(command.Parameters, grainId, name);
        command.Parameters.AddWithValue("version", NpgsqlTypes.NpgsqlDbType.Bigint, expectedVersion is { } v ? v : DBNull.Value);
        return await writes.ExecuteAsync(command) > 0;
    }

    public async Task<IReadOnlyList<ReminderEntry>> ReadDueAsync(IReadOnlyCollection<int> partitions, DateTimeOffset dueBy, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM rt_reminder
            WHERE partition_id = ANY(@partitions) AND due_at <= @dueBy
            ORDER BY due_at LIMIT @limit
            """);
        command.Parameters.AddWithValue("partitions", partitions.ToArray());
        command.Parameters.AddWithValue("dueBy", dueBy.UtcDateTime);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<bool> RescheduleAsync(GrainId grainId, string name, long expectedVersion, DateTimeOffset nextDue, CancellationToken cancellationToken)
    {
        var command = new NpgsqlBatchCommand(
            "UPDATE rt_reminder SET due_at = @due, version = version + 1 WHERE grain_type = @type AND grain_key = @key AND name = @name AND version = @version");
        AddKey(command.Parameters, grainId, name);
        command.Parameters.AddWithValue("due", nextDue.UtcDateTime);
        command.Parameters.AddWithValue("version", expectedVersion);
        return await writes.ExecuteAsync(command) > 0;
    }

    public async Task<(long Due, DateTimeOffset? OldestDue)> ReadBacklogAsync(DateTimeOffset dueBy, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*), min(due_at) FROM rt_reminder WHERE due_at <= @dueBy");
        command.Parameters.AddWithValue("dueBy", dueBy.UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    private static void AddKey(NpgsqlParameterCollection parameters, GrainId grainId, string name)
    {
        parameters.AddWithValue("type", grainId.Type);
        parameters.AddWithValue("key", grainId.Key);
        parameters.AddWithValue("name", name);
    }

    private static async Task<IReadOnlyList<ReminderEntry>> ReadEntriesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<ReminderEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ReminderEntry(
                new GrainId(reader.GetString(0), reader.GetString(1)),
                reader.GetString(2),
                reader.GetInt32(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(5)),
                reader.GetInt64(6)));
        }
        return entries;
    }
}
