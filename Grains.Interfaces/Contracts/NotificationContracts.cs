using System.Text.Json;

namespace PaymentNotifications.Grains.Interfaces.Contracts;

/// <summary>Who a notification goes to; which fields apply depends on the channel.</summary>
public sealed record Recipient
{
    /// <summary>The merchant whose webhook endpoint receives a webhook notification.</summary>
    public string? MerchantId { get; init; }

    /// <summary>Ties the notification to the user's preferences and limits.</summary>
    public string? UserId { get; init; }

    /// <summary>E.164 number for SMS.</summary>
    public string? Phone { get; init; }

    public string? Email { get; init; }

    public string? DeviceToken { get; init; }

    public PushPlatform? Platform { get; init; }

    /// <summary>The recipient's locale for templates, e.g. "pt-BR"; falls back to the language, then "en".</summary>
    public string? Locale { get; init; }
}

/// <summary>Inline message content, instead of a stored template.</summary>
public sealed record MessageContent
{
    public string? Subject { get; init; }
    public string? Text { get; init; }
    public string? Html { get; init; }
}

/// <summary>A notification as submitted by a backend service (POST /v1/notifications).</summary>
public sealed record NotificationRequest
{
    public string? IdempotencyKey { get; init; }
    public string? Type { get; init; }
    public Channel? Channel { get; init; }
    public Priority? Priority { get; init; }
    public Recipient? Recipient { get; init; }
    public JsonElement? Data { get; init; }
    public string? Template { get; init; }
    public MessageContent? Content { get; init; }
    public DateTimeOffset? SendAt { get; init; }
}

/// <summary>One delivery attempt as recorded on the notification.</summary>
public sealed record AttemptView
{
    public int Number { get; init; }
    public string Provider { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public long DurationMs { get; init; }

    /// <summary>"succeeded", "failed" or "unknown" (the provider may have it; no answer came back).</summary>
    public string Outcome { get; init; } = "";
    public int? StatusCode { get; init; }
    public string? Error { get; init; }
    public string? ProviderMessageId { get; init; }
}

/// <summary>A notification as the API returns it.</summary>
public sealed record NotificationView
{
    public string Id { get; init; } = "";
    public string IdempotencyKey { get; init; } = "";
    public string Type { get; init; } = "";
    public Channel Channel { get; init; }
    public Priority Priority { get; init; }
    public NotificationState State { get; init; }

    /// <summary>Why it is NOT_APPLY, FAILED or deferred, in words.</summary>
    public string? Reason { get; init; }
    public Recipient Recipient { get; init; } = new();
    public IReadOnlyList<AttemptView> Attempts { get; init; } = [];
    public DateTimeOffset? NextAttemptAt { get; init; }
    public DateTimeOffset? SendAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The provider's later report on a sent message (delivered, undelivered, bounced), when it gives one.</summary>
    public string? DeliveryStatus { get; init; }
}

/// <summary>What a submit found: a new notification, the same one again, or a different body under the same key.</summary>
public enum SubmitStatus
{
    Created,
    Existing,
    Conflict,
}

public sealed record SubmitOutcome(SubmitStatus Status, NotificationView? Notification);

/// <summary>The answer to a cancel or retry: applied, or refused because of the current state.</summary>
public enum CommandStatus
{
    Applied,
    NotFound,
    WrongState,
}

public sealed record CommandOutcome(CommandStatus Status, NotificationView? Notification);
