using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Channels;

/// <summary>Settings of the SendGrid v3 mail send adapter (configuration section <c>Providers:SendGrid</c>).</summary>
public sealed class SendGridOptions : ProviderOptions
{
    public SendGridOptions() : base("https://api.sendgrid.com") { }

    /// <summary>API key with mail-send permission, sent as a bearer token. Required, secret.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Sender address (a verified sender). Required.</summary>
    public string FromEmail { get; set; } = "";

    /// <summary>Sender display name. Default none.</summary>
    public string? FromName { get; set; }

    /// <summary>Event Webhook verification key (base64 DER or PEM) for <see cref="SendGridEventSignature"/>. Default none; not used for sending.</summary>
    public string? EventWebhookPublicKey { get; set; }

    protected override IEnumerable<string> ValidateProvider()
    {
        if (Missing(ApiKey)) yield return $"{nameof(ApiKey)} is required.";
        if (Missing(FromEmail)) yield return $"{nameof(FromEmail)} is required.";
    }
}

/// <summary>Sends email through SendGrid's v3 mail send API; the notification id travels in custom_args.</summary>
public sealed partial class SendGridEmailAdapter : IProviderAdapter
{
    /// <summary>custom_args key carrying our notification id; SendGrid echoes it in every Event Webhook event.</summary>
    public const string NotificationIdArgument = "notification_id";

    /// <summary>custom_args key carrying the tenant id.</summary>
    public const string TenantIdArgument = "tenant_id";

    private readonly SendGridOptions _options;
    private readonly ProviderAttempt _attempt;
    private readonly TimeProvider _time;

    public SendGridEmailAdapter(HttpClient http, SendGridOptions options, TimeProvider? time = null, ILogger<SendGridEmailAdapter>? logger = null)
    {
        options.EnsureValid();
        _options = options;
        _time = time ?? TimeProvider.System;
        _attempt = new ProviderAttempt(Name, http, options.AttemptTimeout, _time, logger ?? NullLogger<SendGridEmailAdapter>.Instance);
    }

    public string Name => "sendgrid";

    public Channel Channel => Channel.Email;

    public bool CanDeliver(OutboundMessage message) =>
        message.Channel == Channel.Email && !string.IsNullOrWhiteSpace(message.Recipient.Email);

    public Task<ProviderResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken) =>
        _attempt.SendAsync(message, _ => ValueTask.FromResult(BuildSend(message)), Interpret, cancellationToken);

    private HttpRequestMessage BuildSend(OutboundMessage message)
    {
        var from = new JsonObject { ["email"] = _options.FromEmail };
        if (!string.IsNullOrWhiteSpace(_options.FromName))
        {
            from["name"] = _options.FromName;
        }

        // SendGrid requires text/plain before text/html.
        var content = new JsonArray();
        if (message.Content.Text is { } text)
        {
            content.Add(new JsonObject { ["type"] = "text/plain", ["value"] = text });
        }

        if (message.Content.Html is { } html)
        {
            content.Add(new JsonObject { ["type"] = "text/html", ["value"] = html });
        }

        var body = new JsonObject
        {
            ["personalizations"] = new JsonArray(new JsonObject
            {
                ["to"] = new JsonArray(new JsonObject { ["email"] = message.Recipient.Email }),
            }),
            ["from"] = from,
            ["subject"] = message.Content.Subject ?? message.Content.Title,
            ["content"] = content,
            ["custom_args"] = new JsonObject
            {
                [NotificationIdArgument] = message.NotificationId,
                [TenantIdArgument] = message.TenantId,
            },
        };

        return new HttpRequestMessage(HttpMethod.Post, _options.Endpoint("/v3/mail/send"))
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey) },
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
    }

    private ProviderResult Interpret(ProviderResponse response)
    {
        if (response.IsSuccess)
        {
            var messageId = response.Headers.TryGetValues("X-Message-Id", out var ids) ? ids.FirstOrDefault() : null;
            return _attempt.Succeeded(response, messageId);
        }

        var errors = ProviderJson.Items(ProviderJson.Child(ProviderJson.Parse(response.Body), "errors"))
            .Select(e => (Field: ProviderJson.String(e, "field"), Message: ProviderJson.String(e, "message") ?? ""))
            .ToList();
        var error = errors.Count == 0
            ? $"{(int)response.StatusCode}: {response.Body}"
            : string.Join("; ", errors.Select(e => e.Field is null ? e.Message : $"{e.Field}: {e.Message}"));
        var recipientInvalid = errors.Any(e => e.Field is not null && RecipientField().IsMatch(e.Field));

        // SendGrid signals when its rate limit resets rather than sending Retry-After.
        if (response.StatusCode == System.Net.HttpStatusCode.TooManyRequests && response.RetryAfter is null && RateLimitReset(response) is { } reset)
        {
            response = response with { RetryAfter = reset };
        }

        return _attempt.Failed(response, error, recipientInvalid);
    }

    private TimeSpan? RateLimitReset(ProviderResponse response)
    {
        if (response.Headers.TryGetValues("X-RateLimit-Reset", out var values)
            && long.TryParse(values.FirstOrDefault(), out var epochSeconds))
        {
            var wait = DateTimeOffset.FromUnixTimeSeconds(epochSeconds) - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    [GeneratedRegex(@"^personalizations\.\d+\.(to|cc|bcc)\.\d+\.email$")]
    private static partial Regex RecipientField();
}
