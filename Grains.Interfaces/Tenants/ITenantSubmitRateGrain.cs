using Orleans;

namespace PaymentNotifications.Grains.Interfaces.Tenants;

/// <summary>The shape of a tenant's submit bucket: it holds at most <see cref="Burst"/> tokens and gains <see cref="Permits"/> every <see cref="Period"/>.</summary>
[GenerateSerializer, Immutable, Alias("submit-rate")]
public sealed record SubmitRate(int Permits, TimeSpan Period, int Burst);

/// <summary>Tokens a tenant's submit bucket handed out; when none, how long until the next one is due.</summary>
[GenerateSerializer, Immutable, Alias("submit-grant")]
public sealed record SubmitGrant(int Granted, TimeSpan RetryAfter);

/// <summary>
/// The one token bucket of a tenant's submits for the whole cluster, keyed by tenant id. API processes do not
/// call it per submit: they lease tokens in chunks and spend them locally.
/// </summary>
[Alias("tenant-submit-rate")]
public interface ITenantSubmitRateGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes up to <paramref name="wanted"/> tokens from a bucket of shape <paramref name="rate"/> (the caller's
    /// configuration, so the silo needs none of its own); grants 0 to <paramref name="wanted"/>.
    /// </summary>
    Task<SubmitGrant> Take(SubmitRate rate, int wanted);
}
