namespace PaymentNotifications.Client.Models;

/// <summary>One page of a notification listing, newest first.</summary>
public sealed record NotificationPage
{
    /// <summary>The notifications on this page.</summary>
    public IReadOnlyList<Notification> Items { get; init; } = [];

    /// <summary>The cursor of the next page; null on the last page.</summary>
    public string? NextCursor { get; init; }
}
