using System.Text.Json.Nodes;

namespace PaymentNotifications.Client.Models;

/// <summary>A notification to submit; its idempotency key makes a resubmission return the first one.</summary>
public sealed record NotificationRequest
{
    /// <summary>The longest idempotency key the API accepts.</summary>
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>Creates a request; the idempotency key is required so a retried submit never duplicates.</summary>
    /// <param name="idempotencyKey">1-200 characters naming this notification in the caller's terms, e.g. <c>charge-8812-paid</c>.</param>
    /// <param name="type">The event type, e.g. <c>charge.paid</c>.</param>
    /// <param name="channel">The channel to deliver through.</param>
    public NotificationRequest(string idempotencyKey, string type, Channel channel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        if (idempotencyKey.Length > MaxIdempotencyKeyLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(idempotencyKey),
                idempotencyKey.Length,
                $"An idempotency key has at most {MaxIdempotencyKeyLength} characters.");
        }

        if (!Enum.IsDefined(channel))
        {
            throw new ArgumentOutOfRangeException(nameof(channel), channel, "Unknown channel.");
        }

        IdempotencyKey = idempotencyKey;
        Type = type;
        Channel = channel;
    }

    /// <summary>Names this notification in the caller's terms; also sent as the <c>Idempotency-Key</c> header.</summary>
    public string IdempotencyKey { get; }

    /// <summary>The event type, e.g. <c>charge.paid</c>.</summary>
    public string Type { get; }

    /// <summary>The channel to deliver through.</summary>
    public Channel Channel { get; }

    /// <summary>Urgency; <see cref="Priority.Normal"/> unless set.</summary>
    public Priority Priority { get; init; } = Priority.Normal;

    /// <summary>Who receives it: a merchant for webhooks, a user and an address for the other channels.</summary>
    public Recipient? Recipient { get; init; }

    /// <summary>The event payload: sent as is to webhooks, and the model a template is rendered with.</summary>
    public JsonObject? Data { get; init; }

    /// <summary>The name of a stored template rendered with <see cref="Data"/>.</summary>
    public string? Template { get; init; }

    /// <summary>Inline content, instead of a template.</summary>
    public NotificationContent? Content { get; init; }

    /// <summary>Deliver no earlier than this instant; now when null.</summary>
    public DateTimeOffset? SendAt { get; init; }
}
