using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Membership;

namespace PaymentNotifications.Runtime.Calls;

/// <summary>
/// Routes each grain call to the owner of its partition: in-process when this silo owns it, over
/// the internal endpoint otherwise. While ownership is moving the call waits and tries again, up to
/// the call timeout, so callers see redirects and takeovers as latency, not errors. A call is sent
/// again only when it certainly did not run (no owner, refused as not owner, silo not reachable);
/// a call whose silo failed after receiving it ends in <see cref="SiloUnavailableException"/>.
/// </summary>
public sealed class GrainCallRouter(
    Catalog catalog,
    PartitionOwnership ownership,
    PartitionMap partitions,
    TimeProvider time,
    IOptions<ClusterOptions> options,
    IRemoteGrainInvoker? remote = null,
    LeaseManager? directory = null) : IGrainCallInvoker
{
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(250);

    // A NotOwner answer naming the new owner is followed at once, a few times, then the call waits for a fresh owner map.
    private const int MaxImmediateRedirects = 3;

    private readonly CancellationTokenSource _abort = new();
    private volatile bool _leaving;
    private long _localCalls;
    private long _remoteCalls;
    private long _redirects;
    private long _inDoubt;

    /// <summary>Calls run on this silo's activations (including calls sent here by other silos).</summary>
    public long LocalCalls => Interlocked.Read(ref _localCalls);

    /// <summary>Calls sent to other silos, counting each attempt.</summary>
    public long RemoteCalls => Interlocked.Read(ref _remoteCalls);

    /// <summary>Attempts refused by a silo that no longer owned the grain, then routed again.</summary>
    public long Redirects => Interlocked.Read(ref _redirects);

    /// <summary>Calls that ended with their outcome unknown (the serving silo failed, or the answer timed out).</summary>
    public long InDoubtCalls => Interlocked.Read(ref _inDoubt);

    public async Task<object?> InvokeAsync(GrainId grainId, GrainMethod method, object?[] arguments)
    {
        ThrowIfStopped();
        var partition = partitions.GetPartition(grainId);
        var started = time.GetTimestamp();
        var timeout = options.Value.CallTimeout;
        var backoff = InitialBackoff;
        var staleStateRetried = false;
        var redirects = 0;
        SiloAddress? redirect = null;
        Exception? lastError = null;
        while (true)
        {
            if (ownership.TryGetValidLease(partition, out _))
            {
                try
                {
                    Interlocked.Increment(ref _localCalls);
                    return await catalog.InvokeAsync(grainId, method, arguments);
                }
                catch (PartitionLeaseLostException e)
                {
                    lastError = e;
                    directory?.RequestRefresh();
                }
                catch (InconsistentStateException) when (!staleStateRetried)
                {
                    // The stale activation was dropped; one retry runs on fresh state (or on the new owner).
                    staleStateRetried = true;
                    continue;
                }
            }
            else if (remote is not null && (redirect ?? ownership.OwnerOf(partition)) is { } owner && owner.SiloId != ownership.SiloId)
            {
                redirect = null;
                var left = timeout - time.GetElapsedTime(started);
                using var deadline = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), time);
                using var call = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _abort.Token);
                try
                {
                    Interlocked.Increment(ref _remoteCalls);
                    return await remote.InvokeAsync(owner, grainId, method, arguments, CallChain.Snapshot(), call.Token);
                }
                catch (NotOwnerException e)
                {
                    lastError = e;
                    Interlocked.Increment(ref _redirects);
                    if (e.CurrentOwner is { } next && next.SiloId != owner.SiloId && ++redirects <= MaxImmediateRedirects)
                    {
                        redirect = next;
                        continue;
                    }
                    directory?.RequestRefresh();
                }
                catch (SiloUnreachableException e)
                {
                    lastError = e;
                    directory?.RequestRefresh();
                }
                catch (SiloUnavailableException)
                {
                    Interlocked.Increment(ref _inDoubt);
                    directory?.RequestRefresh();
                    throw;
                }
                catch (OperationCanceledException) when (_abort.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _inDoubt);
                    throw Stopped();
                }
                catch (OperationCanceledException e) when (deadline.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _inDoubt);
                    throw new TimeoutException($"{grainId} did not answer within {timeout}; the call may or may not have run.", e);
                }
            }
            else
            {
                directory?.RequestRefresh();
                // A leaving silo's last turns do not wait out the call timeout for partitions nobody takes over.
                if (_leaving && time.GetElapsedTime(started) >= LeavingWait)
                {
                    throw new GrainUnavailableException($"Silo {ownership.SiloId} is leaving and no silo took over {grainId} (partition {partition}) within {LeavingWait}.", lastError);
                }
            }

            if (time.GetElapsedTime(started) >= timeout)
            {
                throw new GrainUnavailableException($"No silo served {grainId} (partition {partition}) within {timeout}.", lastError);
            }
            try
            {
                await Task.Delay(backoff, time, _abort.Token);
            }
            catch (OperationCanceledException)
            {
                throw Stopped();
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>
    /// Runs a call another silo sent here, on this silo's activation. Throws <see cref="NotOwnerException"/>
    /// when this silo does not own the grain's partition, or lost it during the call without committing.
    /// </summary>
    public async Task<object?> InvokeHereAsync(GrainId grainId, GrainMethod method, object?[] arguments)
    {
        var partition = partitions.GetPartition(grainId);
        var staleStateRetried = false;
        while (true)
        {
            if (_abort.IsCancellationRequested || !ownership.TryGetValidLease(partition, out _))
            {
                throw NotOwner(grainId, partition);
            }
            try
            {
                Interlocked.Increment(ref _localCalls);
                return await catalog.InvokeAsync(grainId, method, arguments);
            }
            catch (PartitionLeaseLostException e) when (e.Partition == partition)
            {
                throw NotOwner(grainId, partition);
            }
            catch (InconsistentStateException) when (!staleStateRetried)
            {
                staleStateRetried = true;
            }
        }
    }

    /// <summary>Marks the silo as leaving: calls to partitions without an owner wait a few lease rounds, not the whole call timeout.</summary>
    internal void BeginLeaving() => _leaving = true;

    private TimeSpan LeavingWait => options.Value.LeaseRenewInterval * 3;

    /// <summary>Fails every call from now on, and the calls waiting, as a crashed process would (test cluster).</summary>
    internal void Abort() => _abort.Cancel();

    private NotOwnerException NotOwner(GrainId grainId, int partition)
    {
        var owner = ownership.OwnerOf(partition);
        return new NotOwnerException($"Silo {ownership.SiloId} does not own partition {partition} of {grainId}.",
            owner is not null && owner.SiloId != ownership.SiloId ? owner : null);
    }

    private void ThrowIfStopped()
    {
        if (_abort.IsCancellationRequested)
        {
            throw Stopped();
        }
    }

    private SiloUnavailableException Stopped() => new($"Silo {ownership.SiloId} has stopped; the call may or may not have run.");
}
