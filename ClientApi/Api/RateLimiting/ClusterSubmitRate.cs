using System.Globalization;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Api.RateLimiting;

/// <summary>
/// Each tenant's submit rate for the whole cluster (<c>Api:SubmitRate:*</c>): POST /v1/notifications takes a token
/// here before anything is created. The true bucket is the tenant's <see cref="ITenantSubmitRateGrain"/>; this
/// process spends leases of it (<see cref="SubmitLease"/>). Every token leaves that one bucket before it is spent,
/// so over any stretch of time the cluster admits no more than the burst plus the refill, however many API
/// processes there are (the refill of one lease lifetime, at most a second, more: a leased token may be spent that
/// long after it left the bucket). <see cref="TenantRateLimits"/>, by contrast, counts each process alone and stays
/// as its flood guard.
/// </summary>
public sealed class ClusterSubmitRate
{
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterSubmitRate> _logger;
    private readonly SubmitRate _rate;
    private readonly ConcurrentDictionary<string, SubmitLease> _leases = new(StringComparer.Ordinal);

    public ClusterSubmitRate(IGrainFactory grains, TimeProvider time, IOptions<ApiOptions> options, ILogger<ClusterSubmitRate> logger)
    {
        _grains = grains;
        _time = time;
        _logger = logger;
        var configured = options.Value.SubmitRate;
        _rate = new SubmitRate(configured.Permits, DurationText.Parse(configured.Period), configured.Burst);
    }

    /// <summary>Takes one of the tenant's submit tokens, or says how long until the next is due.</summary>
    public ValueTask<SubmitPermit> TakeAsync(string tenantId, CancellationToken cancellationToken) =>
        _leases.GetOrAdd(tenantId, NewLease).TakeAsync(cancellationToken);

    /// <summary>The 429 a refused submit gets, naming the configured rate.</summary>
    public ProblemHttpResult Refusal(HttpResponse response, TimeSpan retryAfter)
    {
        var refusal = ApiProblems.TooManyRequests(response, retryAfter,
            $"This tenant may submit {_rate.Permits} notifications per {DurationText.Format(_rate.Period)} across the cluster "
            + $"(all API processes together), with bursts of {_rate.Burst}; nothing was created");
        // The RateLimit fields describe the limit that refused, not the per-process bucket the middleware would report.
        response.Headers["RateLimit-Limit"] = _rate.Burst.ToString(CultureInfo.InvariantCulture);
        response.Headers["RateLimit-Remaining"] = "0";
        response.Headers["RateLimit-Reset"] = response.Headers.RetryAfter;
        return refusal;
    }

    private SubmitLease NewLease(string tenantId) =>
        new(tenantId, wanted => _grains.GetGrain<ITenantSubmitRateGrain>(tenantId).Take(_rate, wanted), _rate, _time, _logger);
}
