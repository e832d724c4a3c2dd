using PaymentNotifications.Api.RateLimiting;

namespace PaymentNotifications.Api;

/// <summary>HTTP API settings; bound from "Api".</summary>
public sealed class ApiOptions
{
    /// <summary>Shortest admin key accepted: 32 characters resist guessing (a generated one is longer).</summary>
    public const int MinAdminKeyLength = 32;

    /// <summary>The key that reaches /v1/admin/* (<c>Api:AdminKey</c>, at least 32 characters); admin routes answer 401 when unset.</summary>
    public string? AdminKey { get; set; }

    /// <summary>The dev tenant's key in dev mode (<c>Api:DevTenantKey</c>); a random one is printed at start-up when unset.</summary>
    public string? DevTenantKey { get; set; }

    /// <summary>Largest accepted request body in bytes (<c>Api:MaxRequestBodyBytes</c>, default 256 KiB); larger ones get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;

    /// <summary>Largest page a list may ask for (<c>Api:MaxPageSize</c>, default 100).</summary>
    public int MaxPageSize { get; set; } = 100;

    /// <summary>Requests per second per tenant on each process (<c>Api:RateLimit:*</c>).</summary>
    public ApiRateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Submits per tenant across the cluster (<c>Api:SubmitRate:*</c>).</summary>
    public ApiSubmitRateOptions SubmitRate { get; set; } = new();
}
