using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Membership;

namespace PaymentNotifications.Runtime.Calls;

/// <summary>
/// Sends a grain call to another silo. Throws <see cref="NotOwnerException"/> when that silo does not
/// own the grain, <see cref="SiloUnreachableException"/> when the call certainly did not reach it, and
/// <see cref="SiloUnavailableException"/> when it was sent but no answer came back.
/// </summary>
public interface IRemoteGrainInvoker
{
    Task<object?> InvokeAsync(SiloAddress target, GrainId grainId, GrainMethod method, object?[] arguments, IReadOnlyList<string> callChain, CancellationToken cancellationToken);
}

/// <summary>The target silo does not own the grain's partition (any more): route again, to <see cref="CurrentOwner"/> when it names one.</summary>
public sealed class NotOwnerException(string message, SiloAddress? currentOwner = null) : Exception(message)
{
    /// <summary>The owner as the refusing silo last saw it, or null when it does not know.</summary>
    public SiloAddress? CurrentOwner { get; } = currentOwner;
}

/// <summary>The target silo could not be reached and the call was not delivered: it is safe to send it again.</summary>
public sealed class SiloUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
