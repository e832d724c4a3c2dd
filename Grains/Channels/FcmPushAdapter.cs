using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Channels;

/// <summary>Settings of the FCM HTTP v1 adapter (configuration section <c>Providers:Fcm</c>).</summary>
public sealed class FcmOptions : ProviderOptions
{
    public FcmOptions() : base("https://fcm.googleapis.com") { }

    /// <summary>Service-account key JSON (its token_uri is where access tokens come from). Default none; this or ServiceAccountFile is required, secret.</summary>
    public string? ServiceAccountJson { get; set; }

    /// <summary>Path of the service-account key JSON file. Default none.</summary>
    public string? ServiceAccountFile { get; set; }

    /// <summary>Firebase project id. Default: project_id of the service account.</summary>
    public string? ProjectId { get; set; }

    protected override IEnumerable<string> ValidateProvider()
    {
        if (Missing(ServiceAccountJson) == Missing(ServiceAccountFile))
        {
            yield return $"Exactly one of {nameof(ServiceAccountJson)} and {nameof(ServiceAccountFile)} is required.";
        }
    }
}

/// <summary>
/// Sends push notifications through FCM HTTP v1 with an OAuth2 token of a service account; the token is cached
/// and refreshed by Google.Apis.Auth. The notification id travels in the data payload.
/// </summary>
public sealed class FcmPushAdapter : IProviderAdapter
{
    /// <summary>OAuth2 scope for sending FCM messages.</summary>
    public const string Scope = "https://www.googleapis.com/auth/firebase.messaging";

    /// <summary>Data key carrying our notification id to the app.</summary>
    public const string NotificationIdDataKey = "notificationId";

    private readonly FcmOptions _options;
    private readonly ProviderAttempt _attempt;
    private readonly ITokenAccess _tokens;
    private readonly string _projectId;

    public FcmPushAdapter(HttpClient http, FcmOptions options, TimeProvider? time = null, ILogger<FcmPushAdapter>? logger = null)
    {
        options.EnsureValid();
        _options = options;
        _attempt = new ProviderAttempt(Name, http, options.AttemptTimeout, time ?? TimeProvider.System, logger ?? NullLogger<FcmPushAdapter>.Instance);

        var json = options.ServiceAccountJson ?? File.ReadAllText(options.ServiceAccountFile!);
        var account = CredentialFactory.FromJson<ServiceAccountCredential>(json);
        _projectId = options.ProjectId ?? account.ProjectId
            ?? throw new InvalidOperationException("FcmOptions: ProjectId is required when the service account has no project_id.");
        // One credential per adapter: it keeps the access token until shortly before it expires.
        _tokens = account.ToGoogleCredential().CreateScoped(Scope);
    }

    public string Name => "fcm";

    public Channel Channel => Channel.Push;

    public bool CanDeliver(OutboundMessage message) =>
        message.Channel == Channel.Push && !string.IsNullOrWhiteSpace(message.Recipient.DeviceToken);

    public Task<ProviderResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken) =>
        _attempt.SendAsync(message, ct => BuildSendAsync(message, ct), Interpret, cancellationToken);

    private async ValueTask<HttpRequestMessage> BuildSendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        var accessToken = await AccessTokenAsync(cancellationToken);

        var data = new JsonObject();
        foreach (var (key, value) in message.Data ?? new Dictionary<string, string>())
        {
            data[key] = value;
        }

        data[NotificationIdDataKey] = message.NotificationId;

        var fcmMessage = new JsonObject { ["token"] = message.Recipient.DeviceToken, ["data"] = data };
        var title = message.Content.Title ?? message.Content.Subject;
        var body = message.Content.Body ?? message.Content.Text;
        if (title is not null || body is not null)
        {
            fcmMessage["notification"] = new JsonObject { ["title"] = title, ["body"] = body };
        }

        return new HttpRequestMessage(HttpMethod.Post, _options.Endpoint($"/v1/projects/{Uri.EscapeDataString(_projectId)}/messages:send"))
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", accessToken) },
            Content = new StringContent(new JsonObject { ["message"] = fcmMessage }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
    }

    private async Task<string> AccessTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _tokens.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken);
        }
        catch (TokenResponseException e)
        {
            // A refused grant (bad key, revoked account) will not heal by itself; anything else may.
            var refused = e.StatusCode is { } status && (int)status is >= 400 and < 500;
            throw new RequestNotSentException(
                refused ? ProviderOutcome.Permanent : ProviderOutcome.Retryable,
                $"access token not obtained: {e.Error?.Error} {e.Error?.ErrorDescription}".TrimEnd(), e);
        }
    }

    private ProviderResult Interpret(ProviderResponse response)
    {
        var root = ProviderJson.Parse(response.Body);
        if (response.IsSuccess)
        {
            return _attempt.Succeeded(response, ProviderJson.String(root, "name"));
        }

        var error = ProviderJson.Child(root, "error");
        var status = ProviderJson.String(error, "status");
        var text = ProviderJson.String(error, "message") ?? response.Body;
        var details = ProviderJson.Items(ProviderJson.Child(error, "details")).ToList();
        var fcmCode = details.Select(d => ProviderJson.String(d, "errorCode")).FirstOrDefault(c => c is not null);
        var tokenField = details
            .SelectMany(d => ProviderJson.Items(ProviderJson.Child(d, "fieldViolations")))
            .Any(v => ProviderJson.String(v, "field") == "message.token");

        var code = fcmCode ?? status ?? ((int)response.StatusCode).ToString();
        var message = $"{code}: {text}";
        return code switch
        {
            "UNREGISTERED" => _attempt.Failed(response, ProviderOutcome.Permanent, message, recipientInvalid: true),
            "INVALID_ARGUMENT" => _attempt.Failed(response, ProviderOutcome.Permanent, message,
                recipientInvalid: tokenField || text.Contains("registration token", StringComparison.OrdinalIgnoreCase)),
            "UNAVAILABLE" or "INTERNAL" or "QUOTA_EXCEEDED" or "RESOURCE_EXHAUSTED" => _attempt.Failed(response, ProviderOutcome.Retryable, message),
            // SENDER_ID_MISMATCH and auth errors point at our configuration, not at the token: keep the token.
            _ => _attempt.Failed(response, message),
        };
    }
}
