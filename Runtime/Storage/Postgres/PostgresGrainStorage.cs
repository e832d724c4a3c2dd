using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace PaymentNotifications.Runtime.Storage.Postgres;

/// <summary>
/// Grain state in PostgreSQL (rt_grain_state). Each write checks the version it read and, in the
/// same statement, that the writer's lease is still the partition's current one.
/// </summary>
public sealed class PostgresGrainStorage(NpgsqlDataSource dataSource, RuntimeJson json, PartitionMap partitions, PostgresWriteBatcher writes) : IGrainStorage
{
    /// <summary>The SQL condition that the fence (partition, silo, epoch) is the partition's current lease.</summary>
    public const string FenceCondition =
        "EXISTS (SELECT 1 FROM rt_partition_lease WHERE partition_id = @partition AND owner_silo = @silo AND epoch = @epoch)";

    public async Task ReadStateAsync<T>(GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT version, payload FROM rt_grain_state WHERE grain_type = @type AND grain_key = @key");
        command.Parameters.AddWithValue("type", grainId.Type);
        command.Parameters.AddWithValue("key", grainId.Key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            grainState.ETag = StateVersion.Format(reader.GetInt64(0));
            grainState.State = JsonSerializer.Deserialize<T>(reader.GetString(1), json.Options)!;
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
        var sql = grainState.ETag is null
            ? $"""
               INSERT INTO rt_grain_state (grain_type, grain_key, partition_id, version, payload, updated_at)
               SELECT @type, @key, @partition, 1, @payload, now() WHERE {FenceCondition}
               ON CONFLICT DO NOTHING
               """
            : $"""
               UPDATE rt_grain_state SET version = version + 1, payload = @payload, updated_at = now()
               WHERE grain_type = @type AND grain_key = @key AND version = @version AND {FenceCondition}
               """;
        var command = new NpgsqlBatchCommand(sql);
        AddKeyAndFence(command.Parameters, grainId, fence);
        command.Parameters.AddWithValue("payload", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(grainState.State, json.Options));
        command.Parameters.AddWithValue("version", StateVersion.Parse(grainState.ETag));
        if (await writes.ExecuteAsync(command) == 0)
        {
            throw await DiagnoseRefusedWriteAsync(dataSource, grainId, grainState.ETag, fence, cancellationToken);
        }
        grainState.ETag = StateVersion.Format(StateVersion.Parse(grainState.ETag) + 1);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(GrainId grainId, IGrainState<T> grainState, WriteFence fence, CancellationToken cancellationToken)
    {
        if (grainState.ETag is null)
        {
            return;
        }
        var command = new NpgsqlBatchCommand(
            $"DELETE FROM rt_grain_state WHERE grain_type = @type AND grain_key = @key AND version = @version AND {FenceCondition}");
        AddKeyAndFence(command.Parameters, grainId, fence);
        command.Parameters.AddWithValue("version", StateVersion.Parse(grainState.ETag));
        if (await writes.ExecuteAsync(command) == 0)
        {
            throw await DiagnoseRefusedWriteAsync(dataSource, grainId, grainState.ETag, fence, cancellationToken);
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private void AddKeyAndFence(NpgsqlParameterCollection parameters, GrainId grainId, WriteFence fence)
    {
        parameters.AddWithValue("type", grainId.Type);
        parameters.AddWithValue("key", grainId.Key);
        parameters.AddWithValue("partition", fence.Partition);
        parameters.AddWithValue("silo", fence.SiloId);
        parameters.AddWithValue("epoch", fence.Epoch);
        if (partitions.GetPartition(grainId) != fence.Partition)
        {
            throw new ArgumentException($"Fence names partition {fence.Partition}, but {grainId} lives in partition {partitions.GetPartition(grainId)}.", nameof(fence));
        }
    }

    /// <summary>Tells a fenced write (the lease moved on) from a stale one (another version was written).</summary>
    public static async Task<Exception> DiagnoseRefusedWriteAsync(NpgsqlDataSource dataSource, GrainId grainId, string? etag, WriteFence fence, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {FenceCondition}");
        command.Parameters.AddWithValue("partition", fence.Partition);
        command.Parameters.AddWithValue("silo", fence.SiloId);
        command.Parameters.AddWithValue("epoch", fence.Epoch);
        var fenceHolds = (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
        return fenceHolds
            ? StateVersion.Conflict(grainId, etag)
            : new PartitionLeaseLostException(fence.Partition, $"Write of {grainId} refused: lease epoch {fence.Epoch} of partition {fence.Partition} is not current.");
    }
}
