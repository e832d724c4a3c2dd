using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Channels;

/// <summary>One rendered notification ready to hand to a provider.</summary>
public sealed record OutboundMessage(
    string NotificationId,
    string TenantId,
    Channel Channel,
    string Type,
    MessageRecipient Recipient,
    RenderedContent Content,
    IReadOnlyDictionary<string, string>? Data);

/// <summary>Where a message goes: a phone number (E.164), an email address or a push device token.</summary>
public sealed record MessageRecipient(
    string? Phone = null,
    string? Email = null,
    string? DeviceToken = null,
    PushPlatform? Platform = null);

/// <summary>The rendered text of a message; each channel reads the parts it uses.</summary>
public sealed record RenderedContent(
    string? Subject = null,
    string? Text = null,
    string? Html = null,
    string? Title = null,
    string? Body = null);

/// <summary>How one attempt at a provider ended.</summary>
public enum ProviderOutcome
{
    /// <summary>The provider accepted the message.</summary>
    Success,

    /// <summary>The provider did not take the message and asking again later may work (408, 429, 5xx, never sent).</summary>
    Retryable,

    /// <summary>The provider refused the message and asking again will not change that.</summary>
    Permanent,

    /// <summary>The request may have reached the provider but no answer came back (e.g. a timeout after sending).</summary>
    Unknown,
}

/// <summary>The result of one attempt at a provider.</summary>
/// <param name="RecipientInvalid">The phone number, email address or push token is invalid or unregistered and can be removed.</param>
public sealed record ProviderResult(
    string Provider,
    ProviderOutcome Outcome,
    int? StatusCode = null,
    string? ProviderMessageId = null,
    string? Error = null,
    TimeSpan? RetryAfter = null,
    bool RecipientInvalid = false);

/// <summary>Sends messages of one channel through one provider's API, one HTTP attempt per call.</summary>
public interface IProviderAdapter
{
    /// <summary>The provider name: "twilio", "vonage", "sendgrid", "mailgun", "fcm" or "apns".</summary>
    string Name { get; }

    /// <summary>The channel this provider delivers.</summary>
    Channel Channel { get; }

    /// <summary>Whether this provider can deliver the message at all (e.g. APNs only for iOS tokens).</summary>
    bool CanDeliver(OutboundMessage message);

    /// <summary>Makes exactly one attempt; durable retries are the caller's concern.</summary>
    Task<ProviderResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken);
}

/// <summary>Delivery status as a provider reports it, normalised across providers.</summary>
public enum ProviderDeliveryStatus
{
    Unknown,
    Queued,
    Sent,
    Delivered,
    Undelivered,
    Failed,
    Bounced,
}

/// <summary>What a provider said when asked about a message.</summary>
/// <param name="Found">False only when the provider positively answered that it does not have the message.</param>
public sealed record ProviderStatusAnswer(
    bool Found,
    ProviderDeliveryStatus Status,
    string? ProviderMessageId = null,
    string? Error = null);

/// <summary>Asks a provider what became of a message, for reconciliation of unknown outcomes.</summary>
public interface IProviderStatusQuery
{
    /// <summary>
    /// Returns null when this provider cannot be asked about the message (e.g. no provider message id);
    /// throws <see cref="HttpRequestException"/> when the provider could not be reached or failed to answer.
    /// </summary>
    Task<ProviderStatusAnswer?> QueryAsync(string notificationId, string? providerMessageId, CancellationToken cancellationToken);
}
