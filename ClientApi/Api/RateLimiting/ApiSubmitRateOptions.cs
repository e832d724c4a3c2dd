using PaymentNotifications.Grains.Delivery;

namespace PaymentNotifications.Api.RateLimiting;

/// <summary>A tenant's submit rate across the whole cluster (<see cref="ClusterSubmitRate"/>); bound from "Api:SubmitRate".</summary>
public sealed class ApiSubmitRateOptions
{
    /// <summary>Notifications a tenant may submit per period, all API processes together (<c>Api:SubmitRate:Permits</c>, default 10000).</summary>
    public int Permits { get; set; } = 10_000;

    /// <summary>The period the permits refill over, a duration such as "1s" or "1h" (<c>Api:SubmitRate:Period</c>, default 1s).</summary>
    public string Period { get; set; } = "1s";

    /// <summary>Submits a tenant may make at once after being idle: the bucket size (<c>Api:SubmitRate:Burst</c>, default 20000).</summary>
    public int Burst { get; set; } = 20_000;

    /// <summary>What is wrong with these settings, each naming its key; empty when they can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Permits < 1)
        {
            errors.Add("Api:SubmitRate:Permits must be a positive whole number.");
        }
        if (!DurationText.TryParse(Period, out var period, out var error))
        {
            errors.Add($"Api:SubmitRate:Period: {error}");
        }
        else if (period <= TimeSpan.Zero)
        {
            errors.Add("Api:SubmitRate:Period must be longer than zero, e.g. 1s.");
        }
        if (Burst < 1)
        {
            errors.Add("Api:SubmitRate:Burst must be a positive whole number.");
        }
        return errors;
    }
}
