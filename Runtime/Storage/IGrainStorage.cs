namespace PaymentNotifications.Runtime.Storage;

/// <summary>A grain's state as loaded from or written to storage, with its version tag.</summary>
public interface IGrainState<T>
{
    T State { get; set; }

    /// <summary>The stored version; null when no record exists yet.</summary>
    string? ETag { get; set; }

    bool RecordExists { get; set; }
}

/// <summary>The default holder of a grain's state.</summary>
public sealed class GrainState<T>(T state) : IGrainState<T>
{
    public T State { get; set; } = state;
    public string? ETag { get; set; }
    public bool RecordExists { get; set; }
}

/// <summary>The lease a write is made under: the write fails when the lease is no longer the current one.</summary>
public readonly record struct WriteFence(int Partition, string SiloId, long Epoch);

/// <summary>
/// Durable grain state with optimistic concurrency: a write names the version it read, and
/// fails with <see cref="InconsistentStateException"/> when another writer got there first,
/// or <see cref="PartitionLeaseLostException"/> when its fence is no longer the partition's lease.
/// </summary>
public interface IGrainStorage
{
    Task ReadStateAsync<T>(GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken);

    Task WriteStateAsync<T>(GrainId grainId, IGrainState<T> grainState, WriteFence fence, CancellationToken cancellationToken);

    Task ClearStateAsync<T>(GrainId grainId, IGrainState<T> grainState, WriteFence fence, CancellationToken cancellationToken);
}
