namespace PaymentNotifications.Client.Models;

/// <summary>The answer to a submit: the notification, and whether this call created it.</summary>
/// <param name="Notification">The notification, new or existing.</param>
/// <param name="Created">True when the API accepted it now (202); false when the idempotency key was already seen with the same body (200).</param>
/// <param name="Location">Where the notification can be read, when the API said.</param>
public sealed record SubmitResult(Notification Notification, bool Created, Uri? Location);
