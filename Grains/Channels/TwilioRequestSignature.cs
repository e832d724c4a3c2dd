using System.Security.Cryptography;
using System.Text;

namespace PaymentNotifications.Grains.Channels;

/// <summary>
/// The X-Twilio-Signature of a request Twilio sends (e.g. a status callback): base64 HMAC-SHA1, keyed by the
/// account's auth token, over the full URL followed by every POST parameter sorted by name as name+value.
/// </summary>
public static class TwilioRequestSignature
{
    /// <summary>The header Twilio puts the signature in.</summary>
    public const string HeaderName = "X-Twilio-Signature";

    /// <summary>Computes the signature of a request to <paramref name="url"/> with the given form parameters.</summary>
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> formParameters)
    {
        var signed = new StringBuilder(url);
        foreach (var (name, value) in formParameters.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal))
        {
            signed.Append(name).Append(value);
        }

        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(signed.ToString()));
        return Convert.ToBase64String(mac);
    }

    /// <summary>Whether <paramref name="signature"/> is the signature of this request; compared in fixed time.</summary>
    public static bool IsValid(string authToken, string url, IEnumerable<KeyValuePair<string, string>> formParameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(authToken, url, formParameters));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }
}
