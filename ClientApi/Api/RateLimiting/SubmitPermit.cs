namespace PaymentNotifications.Api.RateLimiting;

/// <summary>Whether a submit may go ahead under the tenant's cluster-wide rate; when not, how long to wait.</summary>
public readonly record struct SubmitPermit(bool Granted, TimeSpan RetryAfter)
{
    public static SubmitPermit Admitted => new(true, TimeSpan.Zero);

    public static SubmitPermit Refused(TimeSpan retryAfter) => new(false, retryAfter);
}
