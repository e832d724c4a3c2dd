using System.Text.Json.Serialization;

namespace PaymentNotifications.Client.Models;

/// <summary>A notification as the API reports it, with its delivery attempts.</summary>
public sealed record Notification
{
    /// <summary>The id the API assigned.</summary>
    public string Id { get; init; } = "";

    /// <summary>The idempotency key it was submitted with.</summary>
    public string IdempotencyKey { get; init; } = "";

    /// <summary>The event type, e.g. <c>charge.paid</c>.</summary>
    public string Type { get; init; } = "";

    /// <summary>The channel it is delivered through.</summary>
    public Channel Channel { get; init; }

    /// <summary>Its urgency.</summary>
    public Priority Priority { get; init; }

    /// <summary>Where it is in its delivery.</summary>
    public NotificationState State { get; init; }

    /// <summary>The delivery attempts so far, oldest first.</summary>
    public IReadOnlyList<DeliveryAttempt> Attempts { get; init; } = [];

    /// <summary>When the next attempt is due, while pending.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>When it was accepted.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When it reached a final state.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>True once the state is final (anything but <see cref="NotificationState.Pending"/>).</summary>
    [JsonIgnore]
    public bool IsFinal => State is not NotificationState.Pending;
}
