using System.Collections.Concurrent;
using System.Text.Json;
using PaymentNotifications.Runtime.Membership;

namespace PaymentNotifications.Runtime.Storage.Memory;

/// <summary>Grain state in process memory (dev mode), stored as JSON so it behaves like the durable store.</summary>
public sealed class MemoryGrainStorage(RuntimeJson json, MemoryPartitionLeaseTable leases) : IGrainStorage
{
    private readonly ConcurrentDictionary<GrainId, (long Version, byte[] Payload)> _rows = new();
    private readonly Lock _writeLock = new();

    public Task ReadStateAsync<T>(GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        if (_rows.TryGetValue(grainId, out var row))
        {
            grainState.State = JsonSerializer.Deserialize<T>(row.Payload, json.Options)!;
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
        var payload = JsonSerializer.SerializeToUtf8Bytes(grainState.State, json.Options);
        lock (_writeLock)
        {
            CheckWrite(grainId, grainState.ETag, fence);
            var version = StateVersion.Parse(grainState.ETag) + 1;
            _rows[grainId] = (version, payload);
            grainState.ETag = StateVersion.Format(version);
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(GrainId grainId, IGrainState<T> grainState, WriteFence fence, CancellationToken cancellationToken)
    {
        lock (_writeLock)
        {
            CheckWrite(grainId, grainState.ETag, fence);
            _rows.TryRemove(grainId, out _);
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        return Task.CompletedTask;
    }

    private void CheckWrite(GrainId grainId, string? etag, WriteFence fence)
    {
        if (!leases.IsCurrent(fence))
        {
            throw new PartitionLeaseLostException(fence.Partition, $"Write of {grainId} refused: lease epoch {fence.Epoch} of partition {fence.Partition} is not current.");
        }
        var stored = _rows.TryGetValue(grainId, out var row) ? row.Version : 0;
        if (stored != StateVersion.Parse(etag))
        {
            throw StateVersion.Conflict(grainId, etag);
        }
    }
}
