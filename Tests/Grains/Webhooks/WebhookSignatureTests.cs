using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using PaymentNotifications.Grains.Webhooks;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Webhooks;

public sealed class WebhookSignatureTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_773_000_000);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"id\":\"n-1\",\"type\":\"charge.paid\",\"data\":{\"amount\":1500}}");

    private static string Expected(string id, long timestamp, byte[] body, byte[] key)
    {
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp.ToString(CultureInfo.InvariantCulture)}.").Concat(body).ToArray();
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    [Fact]
    public void Signature_is_hmac_sha256_of_id_timestamp_body_keyed_by_the_decoded_secret()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        var secret = WebhookSecret.Parse("whsec_" + Convert.ToBase64String(key));

        var signature = WebhookSignature.Sign("n-1", 1_773_000_000, Body, secret);

        Assert.Equal(Expected("n-1", 1_773_000_000, Body, key), signature);
    }

    [Fact]
    public void Published_standard_webhooks_vector_is_reproduced()
    {
        var secret = WebhookSecret.Parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        var signature = WebhookSignature.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}", secret);
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void Headers_carry_id_unix_seconds_and_signature()
    {
        var secret = WebhookSecret.Generate();
        var headers = WebhookSignature.CreateHeaders("n-1", Now.AddMilliseconds(900), Body, [secret]);
        Assert.Equal("n-1", headers.Id);
        Assert.Equal("1773000000", headers.Timestamp);
        Assert.Equal(Expected("n-1", 1_773_000_000, Body, secret.Key.ToArray()), headers.Signature);
    }

    [Fact]
    public void Rotation_overlap_signs_with_both_secrets_and_each_verifies()
    {
        var old = WebhookSecret.Generate();
        var fresh = WebhookSecret.Generate();
        var headers = WebhookSignature.CreateHeaders("n-1", Now, Body, [fresh, old]);

        var parts = headers.Signature.Split(' ');
        Assert.Equal(2, parts.Length);
        Assert.Equal(Expected("n-1", Now.ToUnixTimeSeconds(), Body, fresh.Key.ToArray()), parts[0]);
        Assert.Equal(Expected("n-1", Now.ToUnixTimeSeconds(), Body, old.Key.ToArray()), parts[1]);
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(headers, Body, old, Now));
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(headers, Body, fresh, Now));
        Assert.Equal(WebhookVerification.NoMatchingSignature, WebhookSignature.Verify(headers, Body, WebhookSecret.Generate(), Now));
    }

    [Fact]
    public void Signing_needs_a_secret()
    {
        Assert.Throws<ArgumentException>(() => WebhookSignature.SignatureHeaderValue("n-1", 1, Body, []));
    }

    [Fact]
    public void Tampered_body_fails()
    {
        var secret = WebhookSecret.Generate();
        var headers = WebhookSignature.CreateHeaders("n-1", Now, Body, [secret]);
        var tampered = Body.ToArray();
        tampered[^3] ^= 1;
        Assert.Equal(WebhookVerification.NoMatchingSignature, WebhookSignature.Verify(headers, tampered, secret, Now));
    }

    [Fact]
    public void Tampered_id_or_timestamp_fails()
    {
        var secret = WebhookSecret.Generate();
        var headers = WebhookSignature.CreateHeaders("n-1", Now, Body, [secret]);
        Assert.Equal(WebhookVerification.NoMatchingSignature, WebhookSignature.Verify(headers with { Id = "n-2" }, Body, secret, Now));
        var shifted = (Now.ToUnixTimeSeconds() + 1).ToString(CultureInfo.InvariantCulture);
        Assert.Equal(WebhookVerification.NoMatchingSignature, WebhookSignature.Verify(headers with { Timestamp = shifted }, Body, secret, Now));
    }

    [Fact]
    public void Timestamps_off_by_more_than_the_tolerance_are_refused()
    {
        var secret = WebhookSecret.Generate();
        var headers = WebhookSignature.CreateHeaders("n-1", Now, Body, [secret]);
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(headers, Body, secret, Now.AddMinutes(5)));
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(headers, Body, secret, Now.AddMinutes(-5)));
        Assert.Equal(WebhookVerification.TimestampOutOfTolerance, WebhookSignature.Verify(headers, Body, secret, Now.AddMinutes(5).AddSeconds(1)));
        Assert.Equal(WebhookVerification.TimestampOutOfTolerance, WebhookSignature.Verify(headers, Body, secret, Now.AddMinutes(-5).AddSeconds(-1)));
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(headers, Body, secret, Now.AddMinutes(20), TimeSpan.FromMinutes(30)));
        Assert.Equal(WebhookVerification.TimestampOutOfTolerance, WebhookSignature.Verify(headers, Body, secret, Now.AddSeconds(31), TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData(null, "1773000000", "v1,abc")]
    [InlineData("n-1", null, "v1,abc")]
    [InlineData("n-1", "1773000000", null)]
    [InlineData("", "1773000000", "v1,abc")]
    [InlineData("n-1", "1773000000", "  ")]
    public void Missing_headers_are_reported(string? id, string? timestamp, string? signature)
    {
        Assert.Equal(WebhookVerification.MissingHeader, WebhookSignature.Verify(id, timestamp, signature, Body, WebhookSecret.Generate(), Now));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-1773000000")]
    [InlineData("1773000000.5")]
    [InlineData("99999999999999999")]
    public void Unreadable_timestamps_are_reported(string timestamp)
    {
        Assert.Equal(WebhookVerification.InvalidTimestamp, WebhookSignature.Verify("n-1", timestamp, "v1,abc", Body, WebhookSecret.Generate(), Now));
    }

    [Fact]
    public void Unknown_versions_and_malformed_entries_are_skipped_not_fatal()
    {
        var secret = WebhookSecret.Generate();
        var good = WebhookSignature.Sign("n-1", Now.ToUnixTimeSeconds(), Body, secret);
        var header = $"v2,{good[3..]} garbage v1,%%% v1,AAAA {good}";
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify("n-1", Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), header, Body, secret, Now));
        Assert.Equal(WebhookVerification.NoMatchingSignature, WebhookSignature.Verify("n-1", Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), $"v2,{good[3..]}", Body, secret, Now));
    }

    [Fact]
    public void Headers_can_be_read_from_any_header_collection()
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Webhook-Id"] = "n-1",
            ["Webhook-Timestamp"] = "1",
            ["Webhook-Signature"] = "v1,x",
        };
        Assert.Equal(new WebhookHeaders("n-1", "1", "v1,x"), WebhookHeaders.From(name => values.GetValueOrDefault(name)));
        values.Remove("Webhook-Signature");
        Assert.Null(WebhookHeaders.From(name => values.GetValueOrDefault(name)));
        Assert.Equal(WebhookVerification.MissingHeader, WebhookSignature.Verify((WebhookHeaders?)null, Body, WebhookSecret.Generate(), Now));
    }

    [Fact]
    public void Whatever_is_signed_verifies_and_any_changed_byte_does_not()
    {
        var gen =
            from body in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
            from id in Gen.Elements("n-1", "msg_\u00e9", "a.b.c", "x")
            from flip in Gen.Choose(0, int.MaxValue)
            select (Body: body, Id: id, Flip: flip);

        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var secret = WebhookSecret.Generate();
            var headers = WebhookSignature.CreateHeaders(c.Id, Now, c.Body, [secret]);
            var valid = WebhookSignature.Verify(headers, c.Body, secret, Now) == WebhookVerification.Valid;
            if (c.Body.Length == 0)
            {
                return valid;
            }

            var changed = c.Body.ToArray();
            changed[c.Flip % changed.Length] ^= 0x40;
            return valid && WebhookSignature.Verify(headers, changed, secret, Now) == WebhookVerification.NoMatchingSignature;
        }));
    }
}
