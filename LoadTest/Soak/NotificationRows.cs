using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Storage;
using Npgsql;

namespace PaymentNotifications.LoadTest.Soak;

/// <summary>Reads a tenant's notification rows, with their recorded attempts, straight from PostgreSQL.</summary>
public static class NotificationRows
{
    public static async Task<Dictionary<string, StoredNotification>> ReadAsync(
        string postgres, string tenantId, Func<Channel, bool> observable, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, StoredNotification>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT payload::text FROM notifications WHERE tenant_id = @tenant", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var record = JsonSerializer.Deserialize(reader.GetString(0), DomainJsonContext.Default.NotificationRecord)!;
            rows[record.Id] = new StoredNotification(
                record.Id,
                WireNames.Of(record.State),
                record.CreatedAt,
                record.NextAttemptAt,
                record.Attempts.Select(a => new RecordedAttempt(a.Number, a.StartedAt, a.DurationMs, a.Outcome, a.StatusCode)).ToList(),
                record.BudgetStart,
                observable(record.Channel));
        }
        return rows;
    }

    /// <summary>The durable schedule of the given notifications, as "next attempt at ..., bucket N" by id (absent: no next attempt).</summary>
    public static async Task<Dictionary<string, string>> ReadSchedulesAsync(string postgres, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var schedules = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return schedules;
        }
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT id, next_attempt_at, bucket FROM notifications WHERE id = ANY(@ids) AND next_attempt_at IS NOT NULL", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            schedules[reader.GetString(0)] = $"next attempt at {reader.GetFieldValue<DateTimeOffset>(1):HH:mm:ss.fff}, bucket {reader.GetInt16(2)}";
        }
        return schedules;
    }

    /// <summary>How many of a tenant's notifications are PENDING, and how many of those are due by <paramref name="dueBy"/>.</summary>
    public static async Task<(long Pending, long Due)> CountPendingAsync(string postgres, string tenantId, DateTimeOffset dueBy, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*), count(*) FILTER (WHERE next_attempt_at IS NULL OR next_attempt_at <= @due) FROM notifications WHERE tenant_id = @tenant AND state = 'PENDING'", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("due", dueBy.UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
