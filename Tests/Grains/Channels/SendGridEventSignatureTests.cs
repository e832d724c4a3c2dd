using System.Security.Cryptography;
using System.Text;
using PaymentNotifications.Grains.Channels;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

public sealed class SendGridEventSignatureTests
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""[{"email":"payer@example.com","event":"bounce","notification_id":"ntf_1"}]""");
    private const string Timestamp = "1700000000";

    [Fact]
    public void Valid_signature_passes()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var verifier = new SendGridEventSignature(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));

        var signature = SendGridEventSignature.Sign(key, Timestamp, Payload);

        Assert.True(verifier.Verify(Payload, Timestamp, signature));
    }

    [Fact]
    public void Tampered_payload_or_timestamp_fails()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var verifier = new SendGridEventSignature(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
        var signature = SendGridEventSignature.Sign(key, Timestamp, Payload);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Payload).Replace("bounce", "delivered"));

        Assert.False(verifier.Verify(tampered, Timestamp, signature));
        Assert.False(verifier.Verify(Payload, "1700000001", signature));
    }

    [Fact]
    public void Signature_of_another_key_or_garbage_fails()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var verifier = new SendGridEventSignature(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));

        Assert.False(verifier.Verify(Payload, Timestamp, SendGridEventSignature.Sign(other, Timestamp, Payload)));
        Assert.False(verifier.Verify(Payload, Timestamp, "not base64!"));
        Assert.False(verifier.Verify(Payload, Timestamp, null));
    }

    [Fact]
    public void Verification_key_in_pem_form_is_accepted()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var verifier = new SendGridEventSignature(key.ExportSubjectPublicKeyInfoPem());

        Assert.True(verifier.Verify(Payload, Timestamp, SendGridEventSignature.Sign(key, Timestamp, Payload)));
    }

    [Fact]
    public void Sample_signed_by_sendgrid_verifies()
    {
        // Key, timestamp, payload and signature published with SendGrid's own event-webhook helpers.
        using var verifier = new SendGridEventSignature(
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==");
        var payload = Encoding.UTF8.GetBytes("""{"category":"example_payload","event":"test_event","message_id":"message_id"}""");

        Assert.True(verifier.Verify(payload, "1588788367",
            "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0="));
    }
}
