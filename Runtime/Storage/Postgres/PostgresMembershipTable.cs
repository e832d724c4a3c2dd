using PaymentNotifications.Runtime.Membership;
using Npgsql;

namespace PaymentNotifications.Runtime.Storage.Postgres;

/// <summary>Membership in PostgreSQL; heartbeat ages are measured by the database clock.</summary>
public sealed class PostgresMembershipTable(NpgsqlDataSource dataSource) : IMembershipTable
{
    public async Task RegisterAsync(string siloId, string address, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO rt_silo (silo_id, address, started_at, heartbeat_at, status)
            VALUES (@id, @address, @started, now(), 'Active')
            ON CONFLICT (silo_id) DO UPDATE SET address = excluded.address, started_at = excluded.started_at,
                heartbeat_at = now(), status = 'Active'
            """);
        command.Parameters.AddWithValue("id", siloId);
        command.Parameters.AddWithValue("address", address);
        command.Parameters.AddWithValue("started", startedAt.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task HeartbeatAsync(string siloId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE rt_silo SET heartbeat_at = now() WHERE silo_id = @id");
        command.Parameters.AddWithValue("id", siloId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task SetStatusAsync(string siloId, SiloStatus status, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE rt_silo SET status = @status WHERE silo_id = @id");
        command.Parameters.AddWithValue("id", siloId);
        command.Parameters.AddWithValue("status", status.ToString());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<SiloRecord>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT silo_id, address, started_at, heartbeat_at, status, now() - heartbeat_at FROM rt_silo ORDER BY silo_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var silos = new List<SiloRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            silos.Add(new SiloRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                Enum.Parse<SiloStatus>(reader.GetString(4)),
                reader.GetFieldValue<TimeSpan>(5)));
        }
        return silos;
    }

    public async Task<int> RemoveDefunctAsync(TimeSpan silentFor, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM rt_silo WHERE heartbeat_at < now() - @silentFor");
        command.Parameters.AddWithValue("silentFor", silentFor);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
