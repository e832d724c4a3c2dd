using PaymentNotifications.Grains.Channels;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

public sealed class TwilioRequestSignatureTests
{
    // The example of Twilio's request-validation documentation.
    private const string AuthToken = "12345";
    private const string Url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private static readonly Dictionary<string, string> Parameters = new()
    {
        ["CallSid"] = "CA1234567890ABCDE",
        ["Caller"] = "+14158675310",
        ["Digits"] = "1234",
        ["From"] = "+14158675310",
        ["To"] = "+18005551212",
    };

    [Fact]
    public void Signature_matches_twilios_documented_example()
    {
        Assert.Equal("GvWf1cFY/Q7PnoempGyD5oXAezc=", TwilioRequestSignature.Compute(AuthToken, Url, Parameters));
    }

    [Fact]
    public void Parameter_order_does_not_matter()
    {
        var reversed = Parameters.Reverse().ToList();

        Assert.Equal(TwilioRequestSignature.Compute(AuthToken, Url, Parameters), TwilioRequestSignature.Compute(AuthToken, Url, reversed));
    }

    [Fact]
    public void Computed_signature_validates()
    {
        var signature = TwilioRequestSignature.Compute(AuthToken, Url, Parameters);

        Assert.True(TwilioRequestSignature.IsValid(AuthToken, Url, Parameters, signature));
    }

    [Fact]
    public void Tampered_parameter_url_or_token_fails_validation()
    {
        var signature = TwilioRequestSignature.Compute(AuthToken, Url, Parameters);
        var tampered = new Dictionary<string, string>(Parameters) { ["Digits"] = "9999" };

        Assert.False(TwilioRequestSignature.IsValid(AuthToken, Url, tampered, signature));
        Assert.False(TwilioRequestSignature.IsValid(AuthToken, Url + "&x=1", Parameters, signature));
        Assert.False(TwilioRequestSignature.IsValid("54321", Url, Parameters, signature));
        Assert.False(TwilioRequestSignature.IsValid(AuthToken, Url, Parameters, null));
    }
}
