using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Channels;

/// <summary>Settings of the Vonage (Nexmo) SMS API adapter (configuration section <c>Providers:Vonage</c>).</summary>
public sealed class VonageOptions : ProviderOptions
{
    public VonageOptions() : base("https://rest.nexmo.com") { }

    /// <summary>API key, sent in the body as api_key. Required.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>API secret, sent in the body as api_secret. Required, secret.</summary>
    public string ApiSecret { get; set; } = "";

    /// <summary>Sender: a number or an alphanumeric sender id. Required.</summary>
    public string From { get; set; } = "";

    /// <summary>Absolute URL for delivery receipts (the callback parameter). Default none (account setting applies).</summary>
    public string? DeliveryReceiptUrl { get; set; }

    protected override IEnumerable<string> ValidateProvider()
    {
        if (Missing(ApiKey)) yield return $"{nameof(ApiKey)} is required.";
        if (Missing(ApiSecret)) yield return $"{nameof(ApiSecret)} is required.";
        if (Missing(From)) yield return $"{nameof(From)} is required.";
        if (!Missing(DeliveryReceiptUrl) && !Uri.TryCreate(DeliveryReceiptUrl, UriKind.Absolute, out _))
        {
            yield return $"{nameof(DeliveryReceiptUrl)} must be an absolute URL.";
        }
    }
}

/// <summary>Sends SMS through the Vonage SMS API (POST /sms/json); the notification id travels as client-ref.</summary>
/// <remarks>Vonage answers HTTP 200 even for refusals; the per-message status field says what happened.</remarks>
public sealed class VonageSmsAdapter : IProviderAdapter
{
    private readonly VonageOptions _options;
    private readonly ProviderAttempt _attempt;

    public VonageSmsAdapter(HttpClient http, VonageOptions options, TimeProvider? time = null, ILogger<VonageSmsAdapter>? logger = null)
    {
        options.EnsureValid();
        _options = options;
        _attempt = new ProviderAttempt(Name, http, options.AttemptTimeout, time ?? TimeProvider.System, logger ?? NullLogger<VonageSmsAdapter>.Instance);
    }

    public string Name => "vonage";

    public Channel Channel => Channel.Sms;

    public bool CanDeliver(OutboundMessage message) =>
        message.Channel == Channel.Sms && !string.IsNullOrWhiteSpace(message.Recipient.Phone);

    public Task<ProviderResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken) =>
        _attempt.SendAsync(message, _ => ValueTask.FromResult(BuildSend(message)), Interpret, cancellationToken);

    private HttpRequestMessage BuildSend(OutboundMessage message)
    {
        var text = message.Content.Text ?? message.Content.Body ?? "";
        var form = new List<KeyValuePair<string, string>>
        {
            new("api_key", _options.ApiKey),
            new("api_secret", _options.ApiSecret),
            new("from", _options.From),
            // Vonage takes the number in international format without the leading '+'.
            new("to", (message.Recipient.Phone ?? "").TrimStart('+')),
            new("text", text),
            new("client-ref", message.NotificationId),
        };
        if (text.Any(c => c > 0x7F))
        {
            form.Add(new("type", "unicode"));
        }

        if (!string.IsNullOrWhiteSpace(_options.DeliveryReceiptUrl))
        {
            form.Add(new("callback", _options.DeliveryReceiptUrl));
        }

        return new HttpRequestMessage(HttpMethod.Post, _options.Endpoint("/sms/json")) { Content = new FormUrlEncodedContent(form) };
    }

    private ProviderResult Interpret(ProviderResponse response)
    {
        if (!response.IsSuccess)
        {
            return _attempt.Failed(response, $"{(int)response.StatusCode}: {response.Body}");
        }

        var messages = ProviderJson.Items(ProviderJson.Child(ProviderJson.Parse(response.Body), "messages")).ToList();
        if (messages.Count == 0)
        {
            return _attempt.Failed(response, ProviderOutcome.Unknown, "answer without messages");
        }

        // A long text is split into parts; the message was accepted only if every part was.
        var failed = messages.FirstOrDefault(m => ProviderJson.String(m, "status") != "0");
        if (failed.ValueKind == JsonValueKind.Undefined)
        {
            return _attempt.Succeeded(response, ProviderJson.String(messages[0], "message-id"));
        }

        var status = ProviderJson.String(failed, "status");
        var errorText = ProviderJson.String(failed, "error-text") ?? "";
        var error = $"{status}: {errorText}";
        return status switch
        {
            // Throttled, internal error, too many binds: the platform may take it later.
            "1" or "5" or "10" => _attempt.Failed(response, ProviderOutcome.Retryable, error),
            // Invalid parameters naming the destination, unroutable destination, de-activated number.
            "3" when MentionsDestination(errorText) => _attempt.Failed(response, ProviderOutcome.Permanent, error, recipientInvalid: true),
            "6" or "33" => _attempt.Failed(response, ProviderOutcome.Permanent, error, recipientInvalid: true),
            _ => _attempt.Failed(response, ProviderOutcome.Permanent, error),
        };
    }

    private static bool MentionsDestination(string errorText) =>
        errorText.Contains(" to ", StringComparison.OrdinalIgnoreCase)
        || errorText.Contains("'to'", StringComparison.OrdinalIgnoreCase)
        || errorText.Contains("destination", StringComparison.OrdinalIgnoreCase);
}
