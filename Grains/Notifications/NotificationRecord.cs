using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Notifications;

/// <summary>
/// The durable state of a notification grain. Stored as a row of the notifications table (indexed
/// columns plus this object as JSON); <see cref="SchemaVersion"/> lets older rows still load.
/// </summary>
public sealed class NotificationRecord
{
    public int SchemaVersion { get; set; } = 1;
    public string Id { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string IdempotencyKey { get; set; } = "";

    /// <summary>SHA-256 of the submitted body, to tell a replay from a conflicting reuse of the key.</summary>
    public string RequestHash { get; set; } = "";
    public string Type { get; set; } = "";
    public Channel Channel { get; set; }
    public Priority Priority { get; set; }
    public NotificationState State { get; set; }
    public string? Reason { get; set; }
    public Recipient Recipient { get; set; } = new();
    public JsonElement? Data { get; set; }
    public string? Template { get; set; }
    public MessageContent? Content { get; set; }
    public DateTimeOffset? SendAt { get; set; }
    public List<AttemptView> Attempts { get; set; } = [];

    /// <summary>Attempts before this index belong to earlier budgets (a retried dead letter starts a fresh one).</summary>
    public int BudgetStart { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? DeliveryStatus { get; set; }

    /// <summary>When <see cref="Data"/> and <see cref="Content"/> were removed under the retention rules.</summary>
    public DateTimeOffset? ContentRemovedAt { get; set; }

    public bool IsTerminal => State is not NotificationState.Pending;

    public int AttemptsInBudget => Attempts.Count - BudgetStart;

    public NotificationView ToView() => new()
    {
        Id = Id,
        IdempotencyKey = IdempotencyKey,
        Type = Type,
        Channel = Channel,
        Priority = Priority,
        State = State,
        Reason = Reason,
        Recipient = Recipient,
        Attempts = Attempts.ToList(),
        NextAttemptAt = State == NotificationState.Pending ? NextAttemptAt : null,
        SendAt = SendAt,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        CompletedAt = CompletedAt,
        DeliveryStatus = DeliveryStatus,
        ContentRemovedAt = ContentRemovedAt,
    };
}
