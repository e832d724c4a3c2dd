using System.Text.Json;
using Orleans;

namespace PaymentNotifications.Grains.Interfaces.Contracts;

/// <summary>Who a notification goes to; which fields apply depends on the channel.</summary>
[GenerateSerializer, Immutable, Alias("recipient")]
public sealed record Recipient
{
    /// <summary>The merchant whose webhook endpoint receives a webhook notification.</summary>
    [Id(0)] public string? MerchantId { get; init; }

    /// <summary>Ties the notification to the user's preferences and limits.</summary>
    [Id(1)] public string? UserId { get; init; }

    /// <summary>E.164 number for SMS.</summary>
    [Id(2)] public string? Phone { get; init; }

    [Id(3)] public string? Email { get; init; }

    [Id(4)] public string? DeviceToken { get; init; }

    [Id(5)] public PushPlatform? Platform { get; init; }

    /// <summary>The recipient's locale for templates, e.g. "pt-BR"; falls back to the language, then "en".</summary>
    [Id(6)] public string? Locale { get; init; }
}

/// <summary>Inline message content, instead of a stored template.</summary>
[GenerateSerializer, Immutable, Alias("message-content")]
public sealed record MessageContent
{
    [Id(0)] public string? Subject { get; init; }
    [Id(1)] public string? Text { get; init; }
    [Id(2)] public string? Html { get; init; }
}

/// <summary>A notification as submitted by a backend service (POST /v1/notifications).</summary>
[GenerateSerializer, Immutable, Alias("notification-request")]
public sealed record NotificationRequest
{
    [Id(0)] public string? IdempotencyKey { get; init; }
    [Id(1)] public string? Type { get; init; }
    [Id(2)] public Channel? Channel { get; init; }
    [Id(3)] public Priority? Priority { get; init; }
    [Id(4)] public Recipient? Recipient { get; init; }
    [Id(5)] public JsonElement? Data { get; init; }
    [Id(6)] public string? Template { get; init; }
    [Id(7)] public MessageContent? Content { get; init; }
    [Id(8)] public DateTimeOffset? SendAt { get; init; }
}

/// <summary>One delivery attempt as recorded on the notification.</summary>
[GenerateSerializer, Immutable, Alias("attempt")]
public sealed record AttemptView
{
    [Id(0)] public int Number { get; init; }
    [Id(1)] public string Provider { get; init; } = "";
    [Id(2)] public DateTimeOffset StartedAt { get; init; }
    [Id(3)] public long DurationMs { get; init; }

    /// <summary>"succeeded", "failed" or "unknown" (the provider may have it; no answer came back).</summary>
    [Id(4)] public string Outcome { get; init; } = "";
    [Id(5)] public int? StatusCode { get; init; }
    [Id(6)] public string? Error { get; init; }
    [Id(7)] public string? ProviderMessageId { get; init; }
}

/// <summary>A notification as the API returns it.</summary>
[GenerateSerializer, Immutable, Alias("notification-view")]
public sealed record NotificationView
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string IdempotencyKey { get; init; } = "";
    [Id(2)] public string Type { get; init; } = "";
    [Id(3)] public Channel Channel { get; init; }
    [Id(4)] public Priority Priority { get; init; }
    [Id(5)] public NotificationState State { get; init; }

    /// <summary>Why it is NOT_APPLY, FAILED or deferred, in words.</summary>
    [Id(6)] public string? Reason { get; init; }
    [Id(7)] public Recipient Recipient { get; init; } = new();
    [Id(8)] public IReadOnlyList<AttemptView> Attempts { get; init; } = [];
    [Id(9)] public DateTimeOffset? NextAttemptAt { get; init; }
    [Id(10)] public DateTimeOffset? SendAt { get; init; }
    [Id(11)] public DateTimeOffset CreatedAt { get; init; }
    [Id(12)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(13)] public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The provider's later report on a sent message (delivered, undelivered, bounced), when it gives one.</summary>
    [Id(14)] public string? DeliveryStatus { get; init; }

    /// <summary>When the request's data and content were removed under the retention rules (<c>Retention:*</c>); null while kept.</summary>
    [Id(15)] public DateTimeOffset? ContentRemovedAt { get; init; }
}

/// <summary>What a submit found: a new notification, the same one again, or a different body under the same key.</summary>
[GenerateSerializer, Alias("submit-status")]
public enum SubmitStatus
{
    Created,
    Existing,
    Conflict,
}

[GenerateSerializer, Immutable, Alias("submit-outcome")]
public sealed record SubmitOutcome(SubmitStatus Status, NotificationView? Notification);

/// <summary>The answer to a cancel or retry: applied, or refused because of the current state.</summary>
[GenerateSerializer, Alias("command-status")]
public enum CommandStatus
{
    Applied,
    NotFound,
    WrongState,

    /// <summary>A retry was refused: the content it would send was removed under the retention rules.</summary>
    ContentRemoved,
}

[GenerateSerializer, Immutable, Alias("command-outcome")]
public sealed record CommandOutcome(CommandStatus Status, NotificationView? Notification);
