using Microsoft.Extensions.Options;
using Notifications.Orleans.Runtime.Activation;
using Notifications.Orleans.Runtime.Hosting;
using Notifications.Orleans.Runtime.Membership;

namespace Notifications.Orleans.Runtime.Calls;

/// <summary>Sends a grain call to another silo. Throws <see cref="NotOwnerException"/> when that silo does not own the grain.</summary>
public interface IRemoteGrainInvoker
{
    Task<object?> InvokeAsync(SiloAddress target, GrainId grainId, GrainMethod method, object?[] arguments, IReadOnlyList<string> callChain, CancellationToken cancellationToken);
}

/// <summary>The target silo does not own the grain's partition (any more): route again.</summary>
public sealed class NotOwnerException(string message) : Exception(message);

/// <summary>The target silo could not be reached: wait for its partitions to be taken over.</summary>
public sealed class SiloUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Routes each grain call to the owner of its partition: in-process when this silo owns it, over
/// the internal endpoint otherwise. While ownership is moving the call waits and tries again, up to
/// the call timeout, so callers see redirects and takeovers as latency, not errors.
/// </summary>
public sealed class GrainCallRouter(
    Catalog catalog,
    PartitionOwnership ownership,
    PartitionMap partitions,
    TimeProvider time,
    IOptions<ClusterOptions> options,
    IRemoteGrainInvoker? remote = null) : IGrainCallInvoker
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(250);

    public async Task<object?> InvokeAsync(GrainId grainId, GrainMethod method, object?[] arguments)
    {
        var partition = partitions.GetPartition(grainId);
        var started = time.GetTimestamp();
        var timeout = options.Value.CallTimeout;
        var backoff = TimeSpan.FromMilliseconds(10);
        var staleStateRetried = false;
        Exception? lastError = null;
        while (true)
        {
            if (ownership.TryGetValidLease(partition, out _))
            {
                try
                {
                    return await catalog.InvokeAsync(grainId, method, arguments);
                }
                catch (PartitionLeaseLostException e)
                {
                    lastError = e;
                }
                catch (InconsistentStateException) when (!staleStateRetried)
                {
                    // The stale activation was dropped; one retry runs on fresh state (or on the new owner).
                    staleStateRetried = true;
                    continue;
                }
            }
            else if (remote is not null && ownership.OwnerOf(partition) is { } owner && owner.SiloId != ownership.SiloId)
            {
                using var cancellation = new CancellationTokenSource(timeout - time.GetElapsedTime(started) is var left && left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
                try
                {
                    return await remote.InvokeAsync(owner, grainId, method, arguments, CallChain.Snapshot(), cancellation.Token);
                }
                catch (NotOwnerException e)
                {
                    lastError = e;
                }
                catch (SiloUnreachableException e)
                {
                    lastError = e;
                }
                catch (OperationCanceledException e) when (cancellation.IsCancellationRequested)
                {
                    lastError = e;
                }
            }

            if (time.GetElapsedTime(started) >= timeout)
            {
                throw new GrainUnavailableException($"No silo served {grainId} (partition {partition}) within {timeout}.", lastError);
            }
            await Task.Delay(backoff, time);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }
}
