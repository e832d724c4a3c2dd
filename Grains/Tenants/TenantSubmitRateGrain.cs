using Orleans;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Grains.Tenants;

/// <summary>
/// A tenant's submit bucket for the whole cluster, in memory only: one activation per tenant, so every API
/// process draws from the same tokens. A new activation starts full: after a silo failure that lets at most one
/// extra burst through. Idle collection waits until the bucket would be full anyway, so collecting it changes nothing.
/// </summary>
[GrainType("tenant-submit-rate")]
public sealed class TenantSubmitRateGrain(TimeProvider time) : Grain, ITenantSubmitRateGrain
{
    // Longer keep-alives are not needed: a bucket that takes more than a day to fill is a configuration mistake.
    private static readonly TimeSpan LongestKeepAlive = TimeSpan.FromDays(1);

    private SubmitTokenBucket? _bucket;

    public Task<SubmitGrant> Take(SubmitRate rate, int wanted)
    {
        var now = time.GetUtcNow();
        // API processes bring their configured shape; while a change rolls out, the latest caller's applies.
        _bucket = _bucket is null ? new SubmitTokenBucket(rate, now)
            : _bucket.Rate == rate ? _bucket
            : _bucket.Reshaped(rate, now);
        var grant = _bucket.Take(wanted, now);
        var untilFull = _bucket.UntilFull(now);
        DelayDeactivation(untilFull < LongestKeepAlive ? untilFull : LongestKeepAlive);
        return Task.FromResult(grant);
    }
}
