using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Channels;

/// <summary>Settings of the Mailgun messages API adapter (configuration section <c>Providers:Mailgun</c>).</summary>
public sealed class MailgunOptions : ProviderOptions
{
    public MailgunOptions() : base("https://api.mailgun.net") { }

    /// <summary>Private API key; basic-auth password with the user "api". Required, secret.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Sending domain, part of the path /v3/{domain}/messages. Required.</summary>
    public string Domain { get; set; } = "";

    /// <summary>Sender, e.g. "Payments &lt;noreply@mg.example.com&gt;". Required.</summary>
    public string From { get; set; } = "";

    protected override IEnumerable<string> ValidateProvider()
    {
        if (Missing(ApiKey)) yield return $"{nameof(ApiKey)} is required.";
        if (Missing(Domain)) yield return $"{nameof(Domain)} is required.";
        if (Missing(From)) yield return $"{nameof(From)} is required.";
    }
}

/// <summary>Sends email through Mailgun (POST /v3/{domain}/messages); the notification id travels as v:notification-id.</summary>
public sealed class MailgunEmailAdapter : IProviderAdapter
{
    /// <summary>Custom variable carrying our notification id; Mailgun echoes it in webhooks and events as user-variables.</summary>
    public const string NotificationIdVariable = "notification-id";

    private readonly MailgunOptions _options;
    private readonly ProviderAttempt _attempt;
    private readonly AuthenticationHeaderValue _authorization;

    public MailgunEmailAdapter(HttpClient http, MailgunOptions options, TimeProvider? time = null, ILogger<MailgunEmailAdapter>? logger = null)
    {
        options.EnsureValid();
        _options = options;
        _attempt = new ProviderAttempt(Name, http, options.AttemptTimeout, time ?? TimeProvider.System, logger ?? NullLogger<MailgunEmailAdapter>.Instance);
        _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"api:{options.ApiKey}")));
    }

    public string Name => "mailgun";

    public Channel Channel => Channel.Email;

    public bool CanDeliver(OutboundMessage message) =>
        message.Channel == Channel.Email && !string.IsNullOrWhiteSpace(message.Recipient.Email);

    public Task<ProviderResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken) =>
        _attempt.SendAsync(message, _ => ValueTask.FromResult(BuildSend(message)), Interpret, cancellationToken);

    private HttpRequestMessage BuildSend(OutboundMessage message)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("from", _options.From),
            new("to", message.Recipient.Email ?? ""),
            new("subject", message.Content.Subject ?? message.Content.Title ?? ""),
            new($"v:{NotificationIdVariable}", message.NotificationId),
            new("v:tenant-id", message.TenantId),
        };
        if (message.Content.Text is { } text)
        {
            form.Add(new("text", text));
        }

        if (message.Content.Html is { } html)
        {
            form.Add(new("html", html));
        }

        return new HttpRequestMessage(HttpMethod.Post, _options.Endpoint($"/v3/{Uri.EscapeDataString(_options.Domain)}/messages"))
        {
            Headers = { Authorization = _authorization },
            Content = new FormUrlEncodedContent(form),
        };
    }

    private ProviderResult Interpret(ProviderResponse response)
    {
        var root = ProviderJson.Parse(response.Body);
        if (response.IsSuccess)
        {
            return _attempt.Succeeded(response, ProviderJson.String(root, "id"));
        }

        var text = ProviderJson.String(root, "message") ?? response.Body;
        var recipientInvalid = text.Contains("'to'", StringComparison.OrdinalIgnoreCase)
            && text.Contains("not a valid address", StringComparison.OrdinalIgnoreCase);
        return _attempt.Failed(response, $"{(int)response.StatusCode}: {text}", recipientInvalid);
    }
}
