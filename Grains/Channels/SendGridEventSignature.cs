using System.Security.Cryptography;
using System.Text;

namespace PaymentNotifications.Grains.Channels;

/// <summary>
/// Verifies SendGrid's signed Event Webhook: an ECDSA P-256 / SHA-256 signature (base64 DER) over the
/// timestamp header followed by the raw request body, checked with the verification key from the SendGrid settings.
/// </summary>
public sealed class SendGridEventSignature : IDisposable
{
    /// <summary>Header carrying the base64 signature.</summary>
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";

    /// <summary>Header carrying the signed timestamp (Unix seconds).</summary>
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    private readonly ECDsa _publicKey;

    /// <param name="publicKey">The verification key as SendGrid shows it (base64 DER SubjectPublicKeyInfo), or PEM.</param>
    public SendGridEventSignature(string publicKey)
    {
        _publicKey = ECDsa.Create();
        if (publicKey.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            _publicKey.ImportFromPem(publicKey);
        }
        else
        {
            _publicKey.ImportSubjectPublicKeyInfo(Convert.FromBase64String(publicKey.Trim()), out _);
        }
    }

    /// <summary>Whether the signature matches the timestamp and the raw body exactly as received.</summary>
    public bool Verify(ReadOnlySpan<byte> payload, string? timestamp, string? signature)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return false;
        }

        byte[] signatureBytes;
        try
        {
            signatureBytes = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return false;
        }

        return _publicKey.VerifyData(SignedBytes(timestamp, payload), signatureBytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>Signs a payload the way SendGrid does; for local stand-ins of SendGrid.</summary>
    public static string Sign(ECDsa privateKey, string timestamp, ReadOnlySpan<byte> payload) =>
        Convert.ToBase64String(privateKey.SignData(SignedBytes(timestamp, payload), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    public void Dispose() => _publicKey.Dispose();

    private static byte[] SignedBytes(string timestamp, ReadOnlySpan<byte> payload)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp);
        var signed = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(signed, 0);
        payload.CopyTo(signed.AsSpan(prefix.Length));
        return signed;
    }
}
