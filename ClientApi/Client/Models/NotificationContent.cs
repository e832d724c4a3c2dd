namespace PaymentNotifications.Client.Models;

/// <summary>Inline message content, used instead of a stored template.</summary>
/// <param name="Subject">The e-mail subject or push title.</param>
/// <param name="Text">The plain-text body.</param>
/// <param name="Html">The HTML body, for email.</param>
public sealed record NotificationContent(string? Subject = null, string? Text = null, string? Html = null);
