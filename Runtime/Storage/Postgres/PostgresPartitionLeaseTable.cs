using PaymentNotifications.Runtime.Membership;
using Npgsql;

namespace PaymentNotifications.Runtime.Storage.Postgres;

/// <summary>Partition leases in PostgreSQL; expiry is judged by the database clock, so silo clocks need not agree.</summary>
public sealed class PostgresPartitionLeaseTable(NpgsqlDataSource dataSource) : IPartitionLeaseTable
{
    public async Task EnsurePartitionsAsync(int count, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO rt_partition_lease (partition_id, owner_silo, epoch, expires_at)
            SELECT g, NULL, 0, '-infinity' FROM generate_series(0, @count - 1) AS g
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue("count", count);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<PartitionLeaseRecord>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT partition_id, owner_silo, epoch, expires_at <= now() FROM rt_partition_lease ORDER BY partition_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<PartitionLeaseRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new PartitionLeaseRecord(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetBoolean(3)));
        }
        return rows;
    }

    public async Task<IReadOnlyList<HeldLease>> TryAcquireAsync(string siloId, IReadOnlyCollection<int> partitions, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE rt_partition_lease SET owner_silo = @silo, epoch = epoch + 1, expires_at = now() + @duration
            WHERE partition_id = ANY(@partitions) AND (owner_silo IS NULL OR expires_at <= now() OR owner_silo = @silo)
            RETURNING partition_id, epoch
            """);
        command.Parameters.AddWithValue("silo", siloId);
        command.Parameters.AddWithValue("duration", duration);
        command.Parameters.AddWithValue("partitions", partitions.ToArray());
        return await ReadLeasesAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<HeldLease>> RenewAsync(string siloId, IReadOnlyCollection<HeldLease> leases, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE rt_partition_lease AS l SET expires_at = now() + @duration
            FROM unnest(@partitions, @epochs) AS held(partition_id, epoch)
            WHERE l.partition_id = held.partition_id AND l.epoch = held.epoch AND l.owner_silo = @silo
            RETURNING l.partition_id, l.epoch
            """);
        command.Parameters.AddWithValue("silo", siloId);
        command.Parameters.AddWithValue("duration", duration);
        command.Parameters.AddWithValue("partitions", leases.Select(l => l.Partition).ToArray());
        command.Parameters.AddWithValue("epochs", leases.Select(l => l.Epoch).ToArray());
        return await ReadLeasesAsync(command, cancellationToken);
    }

    public async Task ReleaseAsync(string siloId, IReadOnlyCollection<HeldLease> leases, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE rt_partition_lease AS l SET owner_silo = NULL, expires_at = '-infinity'
            FROM unnest(@partitions, @epochs) AS held(partition_id, epoch)
            WHERE l.partition_id = held.partition_id AND l.epoch = held.epoch AND l.owner_silo = @silo
            """);
        command.Parameters.AddWithValue("silo", siloId);
        command.Parameters.AddWithValue("partitions", leases.Select(l => l.Partition).ToArray());
        command.Parameters.AddWithValue("epochs", leases.Select(l => l.Epoch).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<HeldLease>> ReadLeasesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var leases = new List<HeldLease>();
        while (await reader.ReadAsync(cancellationToken))
        {
            leases.Add(new HeldLease(reader.GetInt32(0), reader.GetInt64(1)));
        }
        return leases;
    }
}
