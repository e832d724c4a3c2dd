namespace PaymentNotifications.Client.Models;

/// <summary>Filters for listing notifications; null filters are not applied.</summary>
public sealed record NotificationQuery
{
    /// <summary>Only notifications in this state.</summary>
    public NotificationState? State { get; init; }

    /// <summary>Only notifications on this channel.</summary>
    public Channel? Channel { get; init; }

    /// <summary>Only notifications of this event type.</summary>
    public string? Type { get; init; }

    /// <summary>Only notifications for this user.</summary>
    public string? UserId { get; init; }

    /// <summary>Page size; the API's default when null.</summary>
    public int? Limit { get; init; }
}
