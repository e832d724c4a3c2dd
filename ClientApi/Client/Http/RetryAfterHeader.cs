namespace PaymentNotifications.Client.Http;

/// <summary>Reads how long a response asks the caller to wait before trying again.</summary>
internal static class RetryAfterHeader
{
    public static TimeSpan? Read(HttpResponseMessage response, TimeProvider timeProvider)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}
