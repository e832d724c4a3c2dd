using Microsoft.Extensions.Logging;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Api.RateLimiting;

/// <summary>
/// This process's share of one tenant's submit tokens: it spends a lease of tokens taken from the tenant's
/// bucket, and asks for the next lease only when this one is spent or stale, with one request in flight at a
/// time (concurrent submits wait for the same answer). Leased tokens go stale after <see cref="LifetimeOf"/>,
/// so a process that went quiet does not keep tokens the others could use.
/// </summary>
public sealed class SubmitLease
{
    /// <summary>How much refill one lease may hold at most: the tokens of this slice of the period.</summary>
    public static readonly TimeSpan LargestLeaseSpan = TimeSpan.FromMilliseconds(50);

    /// <summary>Leased tokens go stale after one period, or this when the period is longer.</summary>
    public static readonly TimeSpan LongestLifetime = TimeSpan.FromSeconds(1);

    /// <summary>A failure to reach the bucket is logged at most this often per tenant and process.</summary>
    public static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    private readonly string _tenantId;
    private readonly Func<int, Task<SubmitGrant>> _take;
    private readonly int _largestLease;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private int _tokens;
    private int _leased;
    private DateTimeOffset _staleAt;
    private DateTimeOffset _refusedUntil;
    private DateTimeOffset _openUntil;
    private DateTimeOffset _nextWarningAt;
    private TaskCompletionSource<SubmitGrant?>? _refill;

    /// <param name="tenantId">Whose tokens these are (for the log).</param>
    /// <param name="take">Takes up to the given number of tokens from the tenant's bucket.</param>
    /// <param name="rate">The bucket's shape, which sizes the leases and their lifetime.</param>
    public SubmitLease(string tenantId, Func<int, Task<SubmitGrant>> take, SubmitRate rate, TimeProvider time, ILogger logger)
    {
        _tenantId = tenantId;
        _take = take;
        _largestLease = LargestLeaseOf(rate);
        _lifetime = LifetimeOf(rate);
        _time = time;
        _logger = logger;
    }

    /// <summary>The most tokens one lease asks for: the permits of <see cref="LargestLeaseSpan"/>, at least 1, at most the burst.</summary>
    public static int LargestLeaseOf(SubmitRate rate) =>
        (int)Int128.Clamp((Int128)rate.Permits * LargestLeaseSpan.Ticks / rate.Period.Ticks, 1, rate.Burst);

    /// <summary>How long leased tokens stay usable: one period, and never over <see cref="LongestLifetime"/>.</summary>
    public static TimeSpan LifetimeOf(SubmitRate rate) => rate.Period < LongestLifetime ? rate.Period : LongestLifetime;

    /// <summary>Spends one token, asking the tenant's bucket for a lease when this process holds none.</summary>
    public async ValueTask<SubmitPermit> TakeAsync(CancellationToken cancellationToken)
    {
        // Tokens that arrive for this caller are spent even if the answer took longer than a lease lives.
        var answered = false;
        while (true)
        {
            TaskCompletionSource<SubmitGrant?> refill;
            var wanted = 0;
            lock (_lock)
            {
                var now = _time.GetUtcNow();
                if (_tokens > 0 && (answered || now < _staleAt))
                {
                    _tokens--;
                    return SubmitPermit.Admitted;
                }
                if (now < _openUntil)
                {
                    return SubmitPermit.Admitted;
                }
                if (now < _refusedUntil)
                {
                    return SubmitPermit.Refused(_refusedUntil - now);
                }
                if (_refill is null)
                {
                    wanted = NextLeaseSize();
                    _tokens = 0;
                    _refill = new TaskCompletionSource<SubmitGrant?>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                refill = _refill;
            }
            if (wanted > 0)
            {
                _ = RefillAsync(refill, wanted);
            }
            var grant = await refill.Task.WaitAsync(cancellationToken);
            if (grant is null)
            {
                return SubmitPermit.Admitted;
            }
            if (grant.Granted == 0)
            {
                return SubmitPermit.Refused(grant.RetryAfter);
            }
            answered = true;
        }
    }

    // Twice what the last lease served, so a busy process soon leases the largest size and a quiet one takes
    // few tokens that would go stale unused, out of the other processes' reach.
    private int NextLeaseSize() => Math.Clamp(2 * (_leased - _tokens), 1, _largestLease);

    private async Task RefillAsync(TaskCompletionSource<SubmitGrant?> refill, int wanted)
    {
        SubmitGrant? grant = null;
        Exception? failure = null;
        try
        {
            grant = await _take(wanted);
        }
        catch (Exception e)
        {
            failure = e;
        }
        var warn = false;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            _refill = null;
            if (grant is null)
            {
                // Fail open: refusing payment notifications because the limiter cannot be asked would turn its outage
                // into the product's; this process's own bucket (Api:RateLimit) still bounds what gets through.
                _openUntil = now + _lifetime;
                _leased = 0;
                warn = now >= _nextWarningAt;
                if (warn)
                {
                    _nextWarningAt = now + WarningInterval;
                }
            }
            else if (grant.Granted > 0)
            {
                _tokens = _leased = grant.Granted;
                _staleAt = now + _lifetime;
            }
            else
            {
                _leased = 0;
                _refusedUntil = now + grant.RetryAfter;
            }
        }
        if (warn)
        {
            _logger.LogWarning(failure, "The cluster-wide submit rate of tenant {TenantId} could not be checked; its submits pass on this process's own rate limit until it answers (logged at most once a minute)",
                _tenantId);
        }
        refill.SetResult(grant);
    }
}
