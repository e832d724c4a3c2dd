using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Channels;

/// <summary>Settings of the Twilio Messages API adapter (configuration section <c>Providers:Twilio</c>).</summary>
public sealed class TwilioOptions : ProviderOptions
{
    public TwilioOptions() : base("https://api.twilio.com") { }

    /// <summary>Account SID (AC...), used in the path and as the basic-auth user. Required.</summary>
    public string AccountSid { get; set; } = "";

    /// <summary>Auth token: the basic-auth password and the key of X-Twilio-Signature. Required, secret.</summary>
    public string AuthToken { get; set; } = "";

    /// <summary>Sender phone number in E.164. Default none; either this or MessagingServiceSid is required.</summary>
    public string? From { get; set; }

    /// <summary>Messaging Service SID (MG...) to send through instead of a single number. Default none.</summary>
    public string? MessagingServiceSid { get; set; }

    /// <summary>Absolute URL Twilio posts status callbacks to; the notification id is added to its query. Default none (no callbacks).</summary>
    public string? StatusCallbackUrl { get; set; }

    protected override IEnumerable<string> ValidateProvider()
    {
        if (Missing(AccountSid)) yield return $"{nameof(AccountSid)} is required.";
        if (Missing(AuthToken)) yield return $"{nameof(AuthToken)} is required.";
        if (Missing(From) && Missing(MessagingServiceSid)) yield return $"{nameof(From)} or {nameof(MessagingServiceSid)} is required.";
        if (!Missing(StatusCallbackUrl) && !Uri.TryCreate(StatusCallbackUrl, UriKind.Absolute, out _))
        {
            yield return $"{nameof(StatusCallbackUrl)} must be an absolute URL.";
        }
    }
}

/// <summary>Sends SMS through the Twilio Messages API and asks it for a message's status by SID.</summary>
public sealed class TwilioSmsAdapter : IProviderAdapter, IProviderStatusQuery
{
    /// <summary>Query parameter of the status callback URL that carries our notification id.</summary>
    public const string NotificationIdQueryParameter = "notificationId";

    // Error codes that say the 'To' number itself is unusable.
    private static readonly HashSet<int> InvalidRecipientCodes =
    [
        21211, // invalid 'To' phone number
        21217, // phone number does not appear to be valid
        21401, // invalid phone number
        21421, // phone number is invalid
        21614, // 'To' number is not a valid mobile number
    ];

    private readonly TwilioOptions _options;
    private readonly ProviderAttempt _attempt;
    private readonly AuthenticationHeaderValue _authorization;

    public TwilioSmsAdapter(HttpClient http, TwilioOptions options, TimeProvider? time = null, ILogger<TwilioSmsAdapter>? logger = null)
    {
        options.EnsureValid();
        _options = options;
        _attempt = new ProviderAttempt(Name, http, options.AttemptTimeout, time ?? TimeProvider.System, logger ?? NullLogger<TwilioSmsAdapter>.Instance);
        _authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.AccountSid}:{options.AuthToken}")));
    }

    public string Name => "twilio";

    public Channel Channel => Channel.Sms;

    public bool CanDeliver(OutboundMessage message) =>
        message.Channel == Channel.Sms && !string.IsNullOrWhiteSpace(message.Recipient.Phone);

    public Task<ProviderResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken) =>
        _attempt.SendAsync(message, _ => ValueTask.FromResult(BuildSend(message)), Interpret, cancellationToken);

    public async Task<ProviderStatusAnswer?> QueryAsync(string notificationId, string? providerMessageId, CancellationToken cancellationToken)
    {
        // Twilio keeps no reference of ours that could be searched, so only a known SID can be asked about.
        if (string.IsNullOrWhiteSpace(providerMessageId))
        {
            return null;
        }

        var response = await _attempt.QueryAsync(() => new HttpRequestMessage(HttpMethod.Get, MessagesPath($"/Messages/{Uri.EscapeDataString(providerMessageId)}.json"))
        {
            Headers = { Authorization = _authorization },
        }, cancellationToken);

        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return new ProviderStatusAnswer(false, ProviderDeliveryStatus.Unknown, providerMessageId);
        }

        if (!response.IsSuccess)
        {
            var (code, text) = ReadError(response.Body);
            throw new HttpRequestException($"twilio status query failed: {(int)response.StatusCode} {code} {text}", null, response.StatusCode);
        }

        var root = ProviderJson.Parse(response.Body);
        var status = ToDeliveryStatus(ProviderJson.String(root, "status"));
        var errorCode = ProviderJson.Child(root, "error_code");
        string? error = errorCode.ValueKind is JsonValueKind.Number or JsonValueKind.String
            ? ProviderAttempt.Cut($"{errorCode}: {ProviderJson.String(root, "error_message")}")
            : null;
        return new ProviderStatusAnswer(true, status, ProviderJson.String(root, "sid") ?? providerMessageId, error);
    }

    private HttpRequestMessage BuildSend(OutboundMessage message)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("To", message.Recipient.Phone ?? ""),
            new("Body", message.Content.Text ?? message.Content.Body ?? ""),
        };
        form.Add(string.IsNullOrWhiteSpace(_options.MessagingServiceSid)
            ? new("From", _options.From!)
            : new("MessagingServiceSid", _options.MessagingServiceSid));
        if (!string.IsNullOrWhiteSpace(_options.StatusCallbackUrl))
        {
            form.Add(new("StatusCallback", StatusCallbackFor(_options.StatusCallbackUrl, message.NotificationId)));
        }

        return new HttpRequestMessage(HttpMethod.Post, MessagesPath("/Messages.json"))
        {
            Headers = { Authorization = _authorization },
            Content = new FormUrlEncodedContent(form),
        };
    }

    private ProviderResult Interpret(ProviderResponse response)
    {
        if (response.IsSuccess)
        {
            return _attempt.Succeeded(response, ProviderJson.String(ProviderJson.Parse(response.Body), "sid"));
        }

        var (code, text) = ReadError(response.Body);
        var error = code is null ? $"{(int)response.StatusCode}: {text}" : $"{code}: {text}";
        return code switch
        {
            { } c when InvalidRecipientCodes.Contains(c) => _attempt.Failed(response, ProviderOutcome.Permanent, error, recipientInvalid: true),
            // 21610: the recipient replied STOP; the number is valid but must not be messaged.
            21610 => _attempt.Failed(response, ProviderOutcome.Permanent, error),
            _ => _attempt.Failed(response, error),
        };
    }

    private Uri MessagesPath(string suffix) =>
        _options.Endpoint($"/2010-04-01/Accounts/{Uri.EscapeDataString(_options.AccountSid)}{suffix}");

    private static string StatusCallbackFor(string baseUrl, string notificationId)
    {
        var separator = baseUrl.Contains('?') ? '&' : '?';
        return $"{baseUrl}{separator}{NotificationIdQueryParameter}={Uri.EscapeDataString(notificationId)}";
    }

    private static (int? Code, string Text) ReadError(string body)
    {
        var root = ProviderJson.Parse(body);
        var code = ProviderJson.Child(root, "code");
        return (code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out var n) ? n : null, ProviderJson.String(root, "message") ?? body);
    }

    private static ProviderDeliveryStatus ToDeliveryStatus(string? status) => status switch
    {
        "accepted" or "scheduled" or "queued" or "sending" => ProviderDeliveryStatus.Queued,
        "sent" => ProviderDeliveryStatus.Sent,
        "delivered" or "read" => ProviderDeliveryStatus.Delivered,
        "undelivered" => ProviderDeliveryStatus.Undelivered,
        "failed" or "canceled" => ProviderDeliveryStatus.Failed,
        _ => ProviderDeliveryStatus.Unknown,
    };
}
