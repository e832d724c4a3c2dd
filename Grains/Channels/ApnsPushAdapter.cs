using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Channels;

/// <summary>Settings of the APNs adapter with token-based (.p8 key) authentication (configuration section <c>Providers:Apns</c>).</summary>
public sealed class ApnsOptions : ProviderOptions
{
    public ApnsOptions() : base("https://api.push.apple.com") { }

    /// <summary>Apple developer team id, the iss of the provider token. Required.</summary>
    public string TeamId { get; set; } = "";

    /// <summary>Id of the signing key, the kid of the provider token. Required.</summary>
    public string KeyId { get; set; } = "";

    /// <summary>The .p8 signing key (PKCS#8 PEM, ES256). Default none; this or PrivateKeyFile is required, secret.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>Path of the .p8 signing key file. Default none.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>App bundle id, sent as apns-topic. Required.</summary>
    public string BundleId { get; set; } = "";

    /// <summary>apns-push-type of the notifications sent. Default "alert".</summary>
    public string PushType { get; set; } = "alert";

    /// <summary>apns-priority: 10 immediate, 5 power-considerate. Default 10.</summary>
    public int Priority { get; set; } = 10;

    /// <summary>How long one provider token is reused; APNs refuses tokens older than an hour and frequent renewal. Default 50 min.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(50);

    /// <summary>HTTP version of requests; APNs speaks only HTTP/2. Default "2.0".</summary>
    public string HttpVersion { get; set; } = "2.0";

    /// <summary>How strictly HttpVersion applies; exact gives HTTP/2 also over cleartext (prior knowledge). Default RequestVersionExact.</summary>
    public HttpVersionPolicy VersionPolicy { get; set; } = HttpVersionPolicy.RequestVersionExact;

    protected override IEnumerable<string> ValidateProvider()
    {
        if (Missing(TeamId)) yield return $"{nameof(TeamId)} is required.";
        if (Missing(KeyId)) yield return $"{nameof(KeyId)} is required.";
        if (Missing(BundleId)) yield return $"{nameof(BundleId)} is required.";
        if (Missing(PrivateKey) == Missing(PrivateKeyFile))
        {
            yield return $"Exactly one of {nameof(PrivateKey)} and {nameof(PrivateKeyFile)} is required.";
        }

        if (Priority is not (1 or 5 or 10)) yield return $"{nameof(Priority)} must be 1, 5 or 10.";
        if (TokenLifetime < TimeSpan.FromMinutes(20) || TokenLifetime >= TimeSpan.FromHours(1))
        {
            yield return $"{nameof(TokenLifetime)} must be at least 20 minutes and under an hour.";
        }

        if (!Version.TryParse(HttpVersion, out _)) yield return $"{nameof(HttpVersion)} must be a version such as 2.0.";
    }
}

/// <summary>
/// Sends push notifications to iOS devices through APNs over HTTP/2 with an ES256 provider token. The apns-id is
/// derived from the notification id, and the notification id is the collapse id, so a repeated send replaces
/// rather than duplicates what the device shows.
/// </summary>
public sealed class ApnsPushAdapter : IProviderAdapter, IDisposable
{
    /// <summary>Payload key (beside "aps") carrying our notification id to the app.</summary>
    public const string NotificationIdPayloadKey = "notificationId";

    // Fixed namespace of the name-based (version 5) UUIDs made from notification ids.
    private static readonly Guid ApnsIdNamespace = new("5b0e8f7e-3c1a-4d6b-9f0e-2a7c4e1d8b33");

    private readonly ApnsOptions _options;
    private readonly ProviderAttempt _attempt;
    private readonly TimeProvider _time;
    private readonly ECDsa _signingKey;
    private readonly Version _httpVersion;
    private readonly Lock _tokenLock = new();
    private (string Jwt, DateTimeOffset IssuedAt)? _token;

    public ApnsPushAdapter(HttpClient http, ApnsOptions options, TimeProvider? time = null, ILogger<ApnsPushAdapter>? logger = null)
    {
        options.EnsureValid();
        _options = options;
        _time = time ?? TimeProvider.System;
        _attempt = new ProviderAttempt(Name, http, options.AttemptTimeout, _time, logger ?? NullLogger<ApnsPushAdapter>.Instance);
        _httpVersion = Version.Parse(options.HttpVersion);
        _signingKey = ECDsa.Create();
        _signingKey.ImportFromPem(options.PrivateKey ?? File.ReadAllText(options.PrivateKeyFile!));
    }

    public string Name => "apns";

    public Channel Channel => Channel.Push;

    public bool CanDeliver(OutboundMessage message) =>
        message.Channel == Channel.Push
        && message.Recipient.Platform == PushPlatform.Ios
        && !string.IsNullOrWhiteSpace(message.Recipient.DeviceToken);

    public Task<ProviderResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken) =>
        _attempt.SendAsync(message, _ => ValueTask.FromResult(BuildSend(message)), Interpret, cancellationToken);

    /// <summary>The apns-id used for a notification: a name-based UUID (version 5) of the notification id.</summary>
    public static Guid ApnsIdFor(string notificationId)
    {
        var namespaceBytes = ApnsIdNamespace.ToByteArray(bigEndian: true);
        var name = Encoding.UTF8.GetBytes(notificationId);
        var hash = SHA1.HashData([.. namespaceBytes, .. name]);
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    public void Dispose() => _signingKey.Dispose();

    private HttpRequestMessage BuildSend(OutboundMessage message)
    {
        var aps = new JsonObject();
        var title = message.Content.Title ?? message.Content.Subject;
        var body = message.Content.Body ?? message.Content.Text;
        if (title is not null || body is not null)
        {
            aps["alert"] = new JsonObject { ["title"] = title, ["body"] = body };
            aps["sound"] = "default";
        }

        var payload = new JsonObject { ["aps"] = aps };
        foreach (var (key, value) in message.Data ?? new Dictionary<string, string>())
        {
            if (key != "aps")
            {
                payload[key] = value;
            }
        }

        payload[NotificationIdPayloadKey] = message.NotificationId;

        var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint($"/3/device/{Uri.EscapeDataString(message.Recipient.DeviceToken ?? "")}"))
        {
            Version = _httpVersion,
            VersionPolicy = _options.VersionPolicy,
            Content = new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("bearer", ProviderToken());
        request.Headers.TryAddWithoutValidation("apns-topic", _options.BundleId);
        request.Headers.TryAddWithoutValidation("apns-push-type", _options.PushType);
        request.Headers.TryAddWithoutValidation("apns-priority", _options.Priority.ToString());
        request.Headers.TryAddWithoutValidation("apns-id", ApnsIdFor(message.NotificationId).ToString("D"));
        if (Encoding.UTF8.GetByteCount(message.NotificationId) <= 64)
        {
            request.Headers.TryAddWithoutValidation("apns-collapse-id", message.NotificationId);
        }

        return request;
    }

    private ProviderResult Interpret(ProviderResponse response)
    {
        if (response.IsSuccess)
        {
            var apnsId = response.Headers.TryGetValues("apns-id", out var ids) ? ids.FirstOrDefault() : null;
            return _attempt.Succeeded(response, apnsId);
        }

        var reason = ProviderJson.String(ProviderJson.Parse(response.Body), "reason") ?? response.Body;
        var error = $"{(int)response.StatusCode} {reason}";
        switch (reason)
        {
            case "BadDeviceToken":
            case "Unregistered":
            case "ExpiredToken":
                return _attempt.Failed(response, ProviderOutcome.Permanent, error, recipientInvalid: true);
            case "ExpiredProviderToken":
                // Our token aged out early (clock skew): sign a fresh one for the next attempt.
                ForgetProviderToken();
                return _attempt.Failed(response, ProviderOutcome.Retryable, error);
            default:
                return _attempt.Failed(response, error);
        }
    }

    /// <summary>The cached ES256 provider token, signed anew once it reaches TokenLifetime.</summary>
    private string ProviderToken()
    {
        var now = _time.GetUtcNow();
        lock (_tokenLock)
        {
            if (_token is { } cached && now - cached.IssuedAt < _options.TokenLifetime)
            {
                return cached.Jwt;
            }

            var header = Base64UrlJson(new JsonObject { ["alg"] = "ES256", ["kid"] = _options.KeyId });
            var claims = Base64UrlJson(new JsonObject { ["iss"] = _options.TeamId, ["iat"] = now.ToUnixTimeSeconds() });
            var signingInput = $"{header}.{claims}";
            // JWS ES256 wants the raw r||s form, which is what SignData produces by default.
            var signature = _signingKey.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
            var jwt = $"{signingInput}.{Base64Url.EncodeToString(signature)}";
            _token = (jwt, now);
            return jwt;
        }
    }

    private void ForgetProviderToken()
    {
        lock (_tokenLock)
        {
            _token = null;
        }
    }

    private static string Base64UrlJson(JsonObject value) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(value.ToJsonString()));
}
