using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PaymentNotifications.Grains.Webhooks;

namespace PaymentNotifications.Grains.Delivery;

/// <summary>What an attempt's result means for the notification.</summary>
public enum DeliveryOutcome
{
    /// <summary>Delivered; the notification is done.</summary>
    Success,

    /// <summary>Failed for a reason that may pass; try again per the retry schedule.</summary>
    Retryable,

    /// <summary>Failed for a reason a retry will not fix; stop now.</summary>
    Permanent,
}

/// <summary>The verdict on one HTTP delivery attempt.</summary>
/// <param name="Outcome">Whether the attempt succeeded, may be retried, or failed for good.</param>
/// <param name="StatusCode">The HTTP status, or null when no response arrived.</param>
/// <param name="DisablesEndpoint">True when the receiver said the endpoint is gone (410) and it should be disabled.</param>
/// <param name="RetryAfter">The wait the receiver asked for, if any.</param>
/// <param name="Reason">A short description for the attempt record; never contains the body.</param>
public sealed record DeliveryClassification(
    DeliveryOutcome Outcome,
    int? StatusCode,
    bool DisablesEndpoint,
    TimeSpan? RetryAfter,
    string Reason);

/// <summary>Classifies HTTP responses and transport errors of delivery attempts (webhooks and HTTP providers).</summary>
/// <remarks>
/// 2xx is success. 408, 409, 425, 429 and 5xx may pass and are retried, as are network errors and
/// timeouts. Every other status is permanent: other 4xx, and 3xx because redirects are never followed.
/// 410 Gone also disables the endpoint. Informational or out-of-range codes are treated as retryable
/// protocol errors.
/// </remarks>
public static class HttpDeliveryClassifier
{
    /// <summary>Classifies a status code, carrying an already parsed Retry-After.</summary>
    public static DeliveryClassification Classify(int statusCode, TimeSpan? retryAfter = null)
    {
        var reason = string.Create(CultureInfo.InvariantCulture, $"HTTP {statusCode}");
        return statusCode switch
        {
            >= 200 and < 300 => new(DeliveryOutcome.Success, statusCode, false, null, reason),
            408 or 409 or 425 or 429 => new(DeliveryOutcome.Retryable, statusCode, false, retryAfter, reason),
            >= 500 and < 600 => new(DeliveryOutcome.Retryable, statusCode, false, retryAfter, reason),
            410 => new(DeliveryOutcome.Permanent, statusCode, true, null, reason + " (endpoint gone)"),
            >= 300 and < 400 => new(DeliveryOutcome.Permanent, statusCode, false, null, reason + " (redirects are not followed)"),
            >= 400 and < 500 => new(DeliveryOutcome.Permanent, statusCode, false, null, reason),
            _ => new(DeliveryOutcome.Retryable, statusCode, false, retryAfter, reason + " (unexpected status)"),
        };
    }

    /// <summary>Classifies a status code.</summary>
    public static DeliveryClassification Classify(HttpStatusCode statusCode, TimeSpan? retryAfter = null) =>
        Classify((int)statusCode, retryAfter);

    /// <summary>Classifies a response, reading its Retry-After header relative to <paramref name="now"/>.</summary>
    public static DeliveryClassification Classify(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Classify((int)response.StatusCode, ReadRetryAfter(response, now));
    }

    /// <summary>
    /// Classifies an exception thrown while sending. Network errors and timeouts are retryable;
    /// a target refused by the <see cref="WebhookTargetGuard"/> is permanent, as is a request that cannot be built.
    /// </summary>
    /// <remarks>A cancellation requested by the caller is not a delivery outcome: callers check their own token first.</remarks>
    public static DeliveryClassification ClassifyException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is WebhookTargetRefusedException refused)
            {
                return new(DeliveryOutcome.Permanent, null, false, null, refused.Message);
            }
        }

        return exception switch
        {
            OperationCanceledException or TimeoutException =>
                new(DeliveryOutcome.Retryable, null, false, null, "Timed out"),
            HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } =>
                new(DeliveryOutcome.Retryable, null, false, null, "Host name could not be resolved"),
            HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } =>
                new(DeliveryOutcome.Retryable, null, false, null, "TLS handshake failed"),
            HttpRequestException or SocketException or IOException =>
                new(DeliveryOutcome.Retryable, null, false, null, "Network error: " + exception.GetType().Name),
            InvalidOperationException or ArgumentException or UriFormatException or NotSupportedException =>
                new(DeliveryOutcome.Permanent, null, false, null, "Request could not be sent: " + exception.GetType().Name),
            _ => new(DeliveryOutcome.Retryable, null, false, null, "Unexpected error: " + exception.GetType().Name),
        };
    }

    /// <summary>Reads a response's Retry-After (delta seconds or HTTP-date) as a wait from <paramref name="now"/>; null when absent or unreadable.</summary>
    public static TimeSpan? ReadRetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return response.Headers.TryGetValues("Retry-After", out var raw) ? ParseRetryAfter(raw.FirstOrDefault(), now) : null;
    }

    /// <summary>
    /// Parses a Retry-After value: a whole number of seconds, or an HTTP-date (RFC 9110, e.g.
    /// "Wed, 21 Oct 2015 07:28:00 GMT") turned into a wait from <paramref name="now"/>. A date in the
    /// past gives zero; anything unreadable gives null.
    /// </summary>
    public static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        if (text.All(char.IsAsciiDigit))
        {
            // Absurdly large values saturate instead of overflowing; the retry schedule caps them anyway.
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= (long)TimeSpan.MaxValue.TotalSeconds
                ? TimeSpan.FromSeconds(seconds)
                : TimeSpan.MaxValue;
        }

        string[] formats = ["r", "dddd, dd-MMM-yy HH:mm:ss 'GMT'", "ddd MMM d HH:mm:ss yyyy", "ddd MMM  d HH:mm:ss yyyy"];
        if (DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var date))
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}
