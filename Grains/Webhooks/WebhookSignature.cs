using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PaymentNotifications.Grains.Webhooks;

/// <summary>The three Standard Webhooks headers of one delivery.</summary>
/// <param name="Id">The <c>webhook-id</c> value: the notification id, the same on every attempt.</param>
/// <param name="Timestamp">The <c>webhook-timestamp</c> value: unix seconds of this attempt.</param>
/// <param name="Signature">The <c>webhook-signature</c> value: one or more space-separated <c>v1,&lt;base64&gt;</c>.</param>
public sealed record WebhookHeaders(string Id, string Timestamp, string Signature)
{
    /// <summary>Reads the three headers with <paramref name="lookup"/> (header name to value, null when absent).</summary>
    public static WebhookHeaders? From(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var id = lookup(WebhookSignature.IdHeader);
        var timestamp = lookup(WebhookSignature.TimestampHeader);
        var signature = lookup(WebhookSignature.SignatureHeader);
        return id is null || timestamp is null || signature is null ? null : new WebhookHeaders(id, timestamp, signature);
    }
}

/// <summary>The result of checking a received webhook's signature.</summary>
public enum WebhookVerification
{
    /// <summary>A signature matched and the timestamp is within tolerance.</summary>
    Valid,

    /// <summary>A required header is missing or empty.</summary>
    MissingHeader,

    /// <summary>The timestamp is not a whole number of unix seconds.</summary>
    InvalidTimestamp,

    /// <summary>The timestamp is further from now than the tolerance (a replay or a skewed clock).</summary>
    TimestampOutOfTolerance,

    /// <summary>No <c>v1</c> signature in the header matches the body under the given secret(s).</summary>
    NoMatchingSignature,
}

/// <summary>Signs and verifies webhook deliveries the Standard Webhooks way: HMAC-SHA256 over <c>{id}.{timestamp}.{body}</c>.</summary>
public static class WebhookSignature
{
    /// <summary>Header carrying the message id.</summary>
    public const string IdHeader = "webhook-id";

    /// <summary>Header carrying the attempt's unix timestamp in seconds.</summary>
    public const string TimestampHeader = "webhook-timestamp";

    /// <summary>Header carrying the signatures.</summary>
    public const string SignatureHeader = "webhook-signature";

    /// <summary>The signature scheme's version prefix.</summary>
    public const string Version = "v1";

    /// <summary>How far a receiver lets a timestamp drift from its clock by default.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The signature of one secret: <c>v1,</c> + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).</summary>
    public static string Sign(string id, long timestamp, ReadOnlySpan<byte> body, WebhookSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeMac(id, timestamp, body, secret, mac);
        return Version + "," + Convert.ToBase64String(mac);
    }

    /// <summary>The signature of one secret over a UTF-8 body.</summary>
    public static string Sign(string id, long timestamp, string body, WebhookSecret secret) =>
        Sign(id, timestamp, Encoding.UTF8.GetBytes(body ?? throw new ArgumentNullException(nameof(body))), secret);

    /// <summary>The <c>webhook-signature</c> value: one signature per active secret, space-separated (several during rotation overlap).</summary>
    public static string SignatureHeaderValue(string id, long timestamp, ReadOnlySpan<byte> body, IEnumerable<WebhookSecret> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var builder = new StringBuilder();
        foreach (var secret in secrets)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(Sign(id, timestamp, body, secret));
        }

        if (builder.Length == 0)
        {
            throw new ArgumentException("At least one secret is needed to sign.", nameof(secrets));
        }

        return builder.ToString();
    }

    /// <summary>The three headers for a delivery of <paramref name="body"/> at <paramref name="timestamp"/>, signed with every active secret.</summary>
    public static WebhookHeaders CreateHeaders(string id, DateTimeOffset timestamp, ReadOnlySpan<byte> body, IEnumerable<WebhookSecret> secrets)
    {
        var seconds = timestamp.ToUnixTimeSeconds();
        return new WebhookHeaders(id, seconds.ToString(CultureInfo.InvariantCulture), SignatureHeaderValue(id, seconds, body, secrets));
    }

    /// <summary>Checks a received delivery against one secret.</summary>
    public static WebhookVerification Verify(
        WebhookHeaders? headers, ReadOnlySpan<byte> body, WebhookSecret secret, DateTimeOffset now, TimeSpan? tolerance = null) =>
        Verify(headers?.Id, headers?.Timestamp, headers?.Signature, body, [secret], now, tolerance);

    /// <summary>Checks a received delivery against one secret.</summary>
    public static WebhookVerification Verify(
        string? id, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body, WebhookSecret secret, DateTimeOffset now, TimeSpan? tolerance = null) =>
        Verify(id, timestamp, signatureHeader, body, [secret], now, tolerance);

    /// <summary>
    /// Checks a received delivery: the timestamp must be within <paramref name="tolerance"/> (default 5 min) of
    /// <paramref name="now"/> either way, and some <c>v1</c> signature in the header must match under some secret.
    /// Signatures are compared in constant time.
    /// </summary>
    public static WebhookVerification Verify(
        string? id,
        string? timestamp,
        string? signatureHeader,
        ReadOnlySpan<byte> body,
        IEnumerable<WebhookSecret> secrets,
        DateTimeOffset now,
        TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrWhiteSpace(signatureHeader))
        {
            return WebhookVerification.MissingHeader;
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return WebhookVerification.InvalidTimestamp;
        }

        var allowed = tolerance ?? DefaultTolerance;
        var drift = Math.Abs((double)seconds - now.ToUnixTimeSeconds());
        if (drift > allowed.TotalSeconds)
        {
            return WebhookVerification.TimestampOutOfTolerance;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<byte> candidate = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var secret in secrets)
        {
            ComputeMac(id, seconds, body, secret, expected);
            foreach (var part in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var comma = part.IndexOf(',');
                if (comma < 0 || !part.AsSpan(0, comma).SequenceEqual(Version))
                {
                    continue;
                }

                var encoded = Encoding.ASCII.GetBytes(part[(comma + 1)..]);
                if (Base64.DecodeFromUtf8(encoded, candidate, out _, out var written) == OperationStatus.Done
                    && written == candidate.Length
                    && CryptographicOperations.FixedTimeEquals(expected, candidate))
                {
                    return WebhookVerification.Valid;
                }
            }
        }

        return WebhookVerification.NoMatchingSignature;
    }

    private static void ComputeMac(string id, long timestamp, ReadOnlySpan<byte> body, WebhookSecret secret, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret.Key);
        hmac.AppendData(Encoding.UTF8.GetBytes(id));
        hmac.AppendData("."u8);
        hmac.AppendData(Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture)));
        hmac.AppendData("."u8);
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }
}
