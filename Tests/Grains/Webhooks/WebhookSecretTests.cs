using FsCheck;
using FsCheck.Fluent;
using PaymentNotifications.Grains.Webhooks;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Webhooks;

public sealed class WebhookSecretTests
{
    [Fact]
    public void Generated_secret_is_whsec_and_base64_of_32_random_bytes()
    {
        var secret = WebhookSecret.Generate();
        Assert.StartsWith("whsec_", secret.Value);
        var key = Convert.FromBase64String(secret.Value["whsec_".Length..]);
        Assert.Equal(32, key.Length);
        Assert.Equal(key, secret.Key.ToArray());
    }

    [Fact]
    public void Generated_secrets_differ()
    {
        var values = Enumerable.Range(0, 50).Select(_ => WebhookSecret.Generate().Value).ToHashSet();
        Assert.Equal(50, values.Count);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(64)]
    public void Generated_size_can_be_chosen_within_bounds(int bytes)
    {
        Assert.Equal(bytes, WebhookSecret.Generate(bytes).Key.Length);
    }

    [Theory]
    [InlineData(23)]
    [InlineData(65)]
    public void Generated_size_outside_bounds_is_refused(int bytes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookSecret.Generate(bytes));
    }

    [Fact]
    public void Secret_is_parsed_with_or_without_prefix()
    {
        var body = Convert.ToBase64String(Enumerable.Range(1, 24).Select(i => (byte)i).ToArray());
        var withPrefix = WebhookSecret.Parse("whsec_" + body);
        var without = WebhookSecret.Parse(body);
        Assert.Equal(withPrefix, without);
        Assert.Equal("whsec_" + body, without.Value);
        Assert.Equal(Enumerable.Range(1, 24).Select(i => (byte)i), without.Key.ToArray());
    }

    [Fact]
    public void Parse_then_value_round_trips()
    {
        var gen = Gen.Choose(24, 64).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n));
        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), bytes =>
        {
            var text = "whsec_" + Convert.ToBase64String(bytes);
            var secret = WebhookSecret.Parse(text);
            return secret.Value == text && secret.Key.SequenceEqual(bytes);
        }));
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("whsec_", "base64 without spaces")]
    [InlineData("whsec_not base64", "base64 without spaces")]
    [InlineData("whsec_@@@@", "must be base64")]
    [InlineData("whsec_c2hvcnQ=", "24 to 64 bytes (this one has 5)")]
    public void Invalid_secret_is_refused_with_a_clear_message(string? text, string expectedFragment)
    {
        var error = Assert.Throws<FormatException>(() => WebhookSecret.Parse(text));
        Assert.Contains(expectedFragment, error.Message);
    }

    [Fact]
    public void Too_long_secret_is_refused()
    {
        var text = Convert.ToBase64String(new byte[65]);
        Assert.False(WebhookSecret.TryParse(text, out _, out var error));
        Assert.Contains("has 65", error);
    }

    [Fact]
    public void Error_message_never_repeats_the_secret()
    {
        const string almost = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY!";
        Assert.False(WebhookSecret.TryParse(almost, out _, out var error));
        Assert.DoesNotContain("QUJDREVG", error);
    }

    [Fact]
    public void To_string_hides_the_secret()
    {
        var secret = WebhookSecret.Generate();
        Assert.Equal("whsec_***", secret.ToString());
        Assert.DoesNotContain(secret.Value[6..], $"{secret}");
    }
}
