using Orleans;
using Orleans.Runtime;
using Polly;
using Polly.Retry;

namespace PaymentNotifications.Grains.Interfaces;

/// <summary>
/// Sends a grain call again when Orleans rejected it before any grain ran it: a call that arrives while its target
/// deactivates (a finished notification frees its activation at once) is forwarded to the next activation, and after
/// two forwards within the race Orleans rejects it as transient. A rejected call never ran, so sending it again is
/// safe whatever the method does. A call to a silo that died (<see cref="SiloUnavailableException"/>) may have run and
/// is not retried here. Orleans itself leaves such retries to the caller.
/// </summary>
public sealed class RejectedCallRetry : IOutgoingGrainCallFilter
{
    private static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<OrleansMessageRejectionException>(e => e is not SiloUnavailableException),
            MaxRetryAttempts = 4,
            Delay = TimeSpan.FromMilliseconds(20),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    public Task Invoke(IOutgoingGrainCallContext context) =>
        Pipeline.ExecuteAsync(static async (call, _) => await call.Invoke(), context, CancellationToken.None).AsTask();
}
