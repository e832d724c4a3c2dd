using System.Security.Cryptography;
using System.Text.Json.Nodes;
using PaymentNotifications.Grains.Channels;

namespace PaymentNotifications.Silo.Sandbox;

/// <summary>
/// The accounts and keys the sandbox providers accept, generated in-process (nothing is read from or sent to the
/// real providers), and the matching adapter settings.
/// </summary>
public sealed class SandboxCredentials : IDisposable
{
    private SandboxCredentials()
    {
    }

    public string TwilioAccountSid { get; private init; } = "";
    public string TwilioAuthToken { get; private init; } = "";
    /// <summary>Sender number: Twilio's magic test number that always works as From.</summary>
    public string TwilioFrom { get; private init; } = "+15005550006";

    public string VonageApiKey { get; private init; } = "";
    public string VonageApiSecret { get; private init; } = "";
    public string VonageFrom { get; private init; } = "Payments";

    /// <summary>SendGrid API key of the form SG.{id}.{secret}.</summary>
    public string SendGridApiKey { get; private init; } = "";
    public string SendGridApiKeyId { get; private init; } = "";
    public string SendGridFromEmail { get; private init; } = "noreply@sandbox.example";
    /// <summary>Key pair signing the Event Webhook.</summary>
    public ECDsa SendGridEventKey { get; private init; } = null!;
    /// <summary>The Event Webhook verification key as SendGrid shows it (base64 DER SubjectPublicKeyInfo).</summary>
    public string SendGridEventPublicKey => Convert.ToBase64String(SendGridEventKey.ExportSubjectPublicKeyInfo());

    public string MailgunApiKey { get; private init; } = "";
    public string MailgunDomain { get; private init; } = "mg.sandbox.example";
    public string MailgunFrom => $"Payments <noreply@{MailgunDomain}>";

    public string FcmProjectId { get; private init; } = "sandbox-project";
    public string FcmClientEmail => $"notifications@{FcmProjectId}.iam.gserviceaccount.com";
    public string FcmPrivateKeyId { get; private init; } = "";
    /// <summary>The service account's RSA key; the sandbox verifies token grants with its public half.</summary>
    public RSA FcmServiceAccountKey { get; private init; } = null!;

    /// <summary>Apple team id (10 characters).</summary>
    public string ApnsTeamId { get; private init; } = "";
    public string ApnsKeyId { get; private init; } = "";
    public string ApnsBundleId { get; private init; } = "com.example.payments";
    /// <summary>The ES256 signing key (the .p8 key).</summary>
    public ECDsa ApnsSigningKey { get; private init; } = null!;

    /// <summary>Generates fresh accounts and keys.</summary>
    public static SandboxCredentials Generate()
    {
        var sendGridKeyId = Base64Url(16);
        return new SandboxCredentials
        {
            TwilioAccountSid = "AC" + Hex(16),
            TwilioAuthToken = Hex(16),
            VonageApiKey = Hex(4),
            VonageApiSecret = Hex(8),
            SendGridApiKeyId = sendGridKeyId,
            SendGridApiKey = $"SG.{sendGridKeyId}.{Base64Url(32)}",
            SendGridEventKey = ECDsa.Create(ECCurve.NamedCurves.nistP256),
            MailgunApiKey = "key-" + Hex(16),
            FcmPrivateKeyId = Hex(20),
            FcmServiceAccountKey = RSA.Create(2048),
            ApnsTeamId = Alphanumeric(10),
            ApnsKeyId = Alphanumeric(10),
            ApnsSigningKey = ECDsa.Create(ECCurve.NamedCurves.nistP256),
        };
    }

    /// <summary>The service-account key JSON whose token_uri is the FCM sandbox's token endpoint.</summary>
    public string FcmServiceAccountJson(Uri serverBaseUrl) => new JsonObject
    {
        ["type"] = "service_account",
        ["project_id"] = FcmProjectId,
        ["private_key_id"] = FcmPrivateKeyId,
        ["private_key"] = FcmServiceAccountKey.ExportPkcs8PrivateKeyPem(),
        ["client_email"] = FcmClientEmail,
        ["client_id"] = "100000000000000000001",
        ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
        ["token_uri"] = ProviderUrl(serverBaseUrl, "fcm") + "/token",
        ["universe_domain"] = "googleapis.com",
    }.ToJsonString();

    public TwilioOptions TwilioOptions(Uri serverBaseUrl) => new()
    {
        BaseUrl = ProviderUrl(serverBaseUrl, "twilio"),
        AccountSid = TwilioAccountSid,
        AuthToken = TwilioAuthToken,
        From = TwilioFrom,
    };

    public VonageOptions VonageOptions(Uri serverBaseUrl) => new()
    {
        BaseUrl = ProviderUrl(serverBaseUrl, "vonage"),
        ApiKey = VonageApiKey,
        ApiSecret = VonageApiSecret,
        From = VonageFrom,
    };

    public SendGridOptions SendGridOptions(Uri serverBaseUrl) => new()
    {
        BaseUrl = ProviderUrl(serverBaseUrl, "sendgrid"),
        ApiKey = SendGridApiKey,
        FromEmail = SendGridFromEmail,
        EventWebhookPublicKey = SendGridEventPublicKey,
    };

    public MailgunOptions MailgunOptions(Uri serverBaseUrl) => new()
    {
        BaseUrl = ProviderUrl(serverBaseUrl, "mailgun"),
        ApiKey = MailgunApiKey,
        Domain = MailgunDomain,
        From = MailgunFrom,
    };

    public FcmOptions FcmOptions(Uri serverBaseUrl) => new()
    {
        BaseUrl = ProviderUrl(serverBaseUrl, "fcm"),
        ServiceAccountJson = FcmServiceAccountJson(serverBaseUrl),
    };

    /// <param name="http2">Whether the server speaks HTTP/2 cleartext (prior knowledge); otherwise the adapter uses HTTP/1.1.</param>
    public ApnsOptions ApnsOptions(Uri serverBaseUrl, bool http2) => new()
    {
        BaseUrl = ProviderUrl(serverBaseUrl, "apns"),
        TeamId = ApnsTeamId,
        KeyId = ApnsKeyId,
        PrivateKey = ApnsSigningKey.ExportPkcs8PrivateKeyPem(),
        BundleId = ApnsBundleId,
        HttpVersion = http2 ? "2.0" : "1.1",
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>
    /// Configuration entries (<c>Providers:*</c>) pointing every adapter at sandboxes served from
    /// <paramref name="serverBaseUrl"/>; APNs at <paramref name="http2ServerBaseUrl"/> when given (h2c), else over HTTP/1.1.
    /// </summary>
    public IReadOnlyDictionary<string, string?> AdapterConfiguration(Uri serverBaseUrl, Uri? http2ServerBaseUrl = null)
    {
        var twilio = TwilioOptions(serverBaseUrl);
        var vonage = VonageOptions(serverBaseUrl);
        var sendGrid = SendGridOptions(serverBaseUrl);
        var mailgun = MailgunOptions(serverBaseUrl);
        var fcm = FcmOptions(serverBaseUrl);
        var apns = ApnsOptions(http2ServerBaseUrl ?? serverBaseUrl, http2ServerBaseUrl is not null);
        return new Dictionary<string, string?>
        {
            ["Providers:Twilio:BaseUrl"] = twilio.BaseUrl,
            ["Providers:Twilio:AccountSid"] = twilio.AccountSid,
            ["Providers:Twilio:AuthToken"] = twilio.AuthToken,
            ["Providers:Twilio:From"] = twilio.From,
            ["Providers:Vonage:BaseUrl"] = vonage.BaseUrl,
            ["Providers:Vonage:ApiKey"] = vonage.ApiKey,
            ["Providers:Vonage:ApiSecret"] = vonage.ApiSecret,
            ["Providers:Vonage:From"] = vonage.From,
            ["Providers:SendGrid:BaseUrl"] = sendGrid.BaseUrl,
            ["Providers:SendGrid:ApiKey"] = sendGrid.ApiKey,
            ["Providers:SendGrid:FromEmail"] = sendGrid.FromEmail,
            ["Providers:SendGrid:EventWebhookPublicKey"] = sendGrid.EventWebhookPublicKey,
            ["Providers:Mailgun:BaseUrl"] = mailgun.BaseUrl,
            ["Providers:Mailgun:ApiKey"] = mailgun.ApiKey,
            ["Providers:Mailgun:Domain"] = mailgun.Domain,
            ["Providers:Mailgun:From"] = mailgun.From,
            ["Providers:Fcm:BaseUrl"] = fcm.BaseUrl,
            ["Providers:Fcm:ServiceAccountJson"] = fcm.ServiceAccountJson,
            ["Providers:Apns:BaseUrl"] = apns.BaseUrl,
            ["Providers:Apns:TeamId"] = apns.TeamId,
            ["Providers:Apns:KeyId"] = apns.KeyId,
            ["Providers:Apns:PrivateKey"] = apns.PrivateKey,
            ["Providers:Apns:BundleId"] = apns.BundleId,
            ["Providers:Apns:HttpVersion"] = apns.HttpVersion,
            ["Providers:Apns:VersionPolicy"] = apns.VersionPolicy.ToString(),
        };
    }

    /// <summary>The base URL of one provider's sandbox: {server}/sandbox/{provider}.</summary>
    public static string ProviderUrl(Uri serverBaseUrl, string provider) =>
        serverBaseUrl.ToString().TrimEnd('/') + "/sandbox/" + provider;

    public void Dispose()
    {
        SendGridEventKey.Dispose();
        FcmServiceAccountKey.Dispose();
        ApnsSigningKey.Dispose();
    }

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private static string Base64Url(int bytes) => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));

    private static string Alphanumeric(int length) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", length);
}
