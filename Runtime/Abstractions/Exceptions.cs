namespace PaymentNotifications.Runtime;

/// <summary>A state write whose expected version (ETag) was not the stored one: another writer won.</summary>
public sealed class InconsistentStateException(string message) : Exception(message);

/// <summary>The silo no longer holds the partition lease (or its epoch changed): it must not serve or write the grain.</summary>
public sealed class PartitionLeaseLostException(int partition, string message) : Exception(message)
{
    public int Partition { get; } = partition;
}

/// <summary>A grain call failed on the remote side with an exception type this side cannot rebuild.</summary>
public sealed class GrainCallException(string remoteType, string message) : Exception(message)
{
    /// <summary>The full name of the exception type thrown by the grain.</summary>
    public string RemoteType { get; } = remoteType;
}

/// <summary>No silo could serve the grain within the call timeout (ownership in transition, silos down).</summary>
public sealed class GrainUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The silo serving a call failed or went away after the call was sent: the call may or may not
/// have run. Callers that must not apply an operation twice retry it with an idempotency key.
/// </summary>
public sealed class SiloUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
