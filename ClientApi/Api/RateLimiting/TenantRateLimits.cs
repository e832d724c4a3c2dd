using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using PaymentNotifications.Api.Authentication;

namespace PaymentNotifications.Api.RateLimiting;

/// <summary>The API's request rate per caller; bound from "Api:RateLimit".</summary>
public sealed class ApiRateLimitOptions
{
    /// <summary>Sustained requests per second each tenant may make (<c>Api:RateLimit:PermitsPerSecond</c>, default 10000).</summary>
    public int PermitsPerSecond { get; set; } = 10_000;

    /// <summary>Requests a tenant may make at once after being idle: the bucket size (<c>Api:RateLimit:Burst</c>, default 20000).</summary>
    public int Burst { get; set; } = 20_000;
}

/// <summary>
/// A token bucket per caller on /v1 routes: one per tenant, one for the admin key, one per client address for
/// requests without a valid key. Buckets live in this process, so a cluster of N API processes admits up to N
/// times the configured rate: the flood guard of each process. Submits also draw from the tenant's one bucket for
/// the whole cluster (<see cref="ClusterSubmitRate"/>). Every /v1 answer carries <c>RateLimit-Limit</c> (the
/// bucket size), <c>RateLimit-Remaining</c> (requests left now) and <c>RateLimit-Reset</c> (seconds until the
/// bucket is full again), the separate fields of the IETF RateLimit header draft; a refused request gets 429
/// with <c>Retry-After</c> in seconds.
/// </summary>
public sealed class TenantRateLimits : IDisposable
{
    private const string NoLimit = "";
    private readonly ApiRateLimitOptions _options;

    public TenantRateLimits(IOptions<ApiOptions> options)
    {
        _options = options.Value.RateLimit;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = _options.Burst,
            TokensPerPeriod = _options.PermitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            // The partitioned limiter replenishes every bucket on its own 100 ms timer, in fractions of the period.
            AutoReplenishment = false,
        };
        Limiter = PartitionedRateLimiter.Create<HttpContext, string>(context => PartitionOf(context) is { Length: > 0 } key
            ? RateLimitPartition.GetTokenBucketLimiter(key, _ => bucket)
            : RateLimitPartition.GetNoLimiter(NoLimit));
    }

    /// <summary>The limiter the rate-limiting middleware runs as its global limiter.</summary>
    public PartitionedRateLimiter<HttpContext> Limiter { get; }

    /// <summary>Whose bucket a request draws from; empty for routes outside /v1 (health, metrics, documents).</summary>
    public static string PartitionOf(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
        {
            return NoLimit;
        }
        var user = context.User;
        if (user.FindFirstValue(ApiKeyAuthenticationHandler.TenantClaim) is { } tenantId)
        {
            return "tenant:" + tenantId;
        }
        return user.IsInRole(ApiKeyAuthenticationHandler.AdminRole)
            ? "admin"
            : "anonymous:" + (context.Connection.RemoteIpAddress?.ToString() ?? "local");
    }

    /// <summary>Sets the rate-limit middleware to use these buckets and answer refusals as problems.</summary>
    public void Configure(RateLimiterOptions options)
    {
        options.GlobalLimiter = Limiter;
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = (context, _) =>
        {
            var http = context.HttpContext;
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            WriteHeaders(http, remaining: 0);
            return new ValueTask(ApiProblems.TooManyRequests(http.Response, retryAfter,
                $"This key may make {_options.PermitsPerSecond} requests per second with bursts of {_options.Burst}").ExecuteAsync(http));
        };
    }

    /// <summary>Adds the RateLimit headers to every answer of a limited route.</summary>
    public Task AddHeadersAsync(HttpContext context, RequestDelegate next)
    {
        if (PartitionOf(context).Length > 0)
        {
            context.Response.OnStarting(() =>
            {
                if (!context.Response.Headers.ContainsKey("RateLimit-Limit") && Limiter.GetStatistics(context) is { } statistics)
                {
                    WriteHeaders(context, statistics.CurrentAvailablePermits);
                }
                return Task.CompletedTask;
            });
        }
        return next(context);
    }

    private void WriteHeaders(HttpContext context, long remaining)
    {
        var headers = context.Response.Headers;
        var missing = Math.Max(0, _options.Burst - remaining);
        headers["RateLimit-Limit"] = _options.Burst.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = Math.Max(0, remaining).ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = ((long)Math.Ceiling((double)missing / _options.PermitsPerSecond)).ToString(CultureInfo.InvariantCulture);
    }

    public void Dispose() => Limiter.Dispose();
}
