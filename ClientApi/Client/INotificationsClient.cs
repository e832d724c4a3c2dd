using PaymentNotifications.Client.Models;

namespace PaymentNotifications.Client;

/// <summary>A tenant's view of the Notifications API: notifications, merchant webhook endpoints and user preferences.</summary>
public interface INotificationsClient
{
    /// <summary>Submits a notification; resubmitting the same request returns the existing one instead of a duplicate.</summary>
    /// <exception cref="NotificationsValidationException">The request is invalid; nothing was created.</exception>
    /// <exception cref="NotificationConflictException">The idempotency key was already used with a different body.</exception>
    Task<SubmitResult> SubmitAsync(NotificationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads a notification and its attempts.</summary>
    /// <exception cref="NotificationNotFoundException">No such notification for this tenant.</exception>
    Task<Notification> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists notifications newest first, fetching further pages as the enumeration goes on.</summary>
    IAsyncEnumerable<Notification> ListAsync(NotificationQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Reads one page of notifications, newest first; pass the previous page's <see cref="NotificationPage.NextCursor"/> to go on.</summary>
    Task<NotificationPage> ListPageAsync(NotificationQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>Cancels a pending notification.</summary>
    /// <exception cref="NotificationConflictException">It is no longer pending.</exception>
    Task<Notification> CancelAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Sends a FAILED notification back to PENDING with a fresh attempt budget.</summary>
    /// <exception cref="NotificationConflictException">It is not FAILED.</exception>
    Task<Notification> RetryAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Polls a notification until its state is final (anything but PENDING) and returns it.</summary>
    /// <param name="id">The notification id.</param>
    /// <param name="pollInterval">Time between reads; 1 second when null.</param>
    /// <param name="timeout">How long to wait before throwing <see cref="TimeoutException"/>; until cancelled when null or infinite.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    Task<Notification> WaitForCompletionAsync(
        string id,
        TimeSpan? pollInterval = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a merchant's webhook endpoint; a secret is generated when none is given.</summary>
    Task<WebhookEndpoint> PutWebhookEndpointAsync(string merchantId, WebhookEndpointRequest endpoint, CancellationToken cancellationToken = default);

    /// <summary>Reads a merchant's webhook endpoint.</summary>
    /// <exception cref="NotificationNotFoundException">The merchant has no endpoint.</exception>
    Task<WebhookEndpoint> GetWebhookEndpointAsync(string merchantId, CancellationToken cancellationToken = default);

    /// <summary>Removes a merchant's webhook endpoint; its webhooks then end as NOT_APPLY.</summary>
    Task DeleteWebhookEndpointAsync(string merchantId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the signing secret; the old one keeps signing alongside for the configured overlap.</summary>
    Task<WebhookSecret> RotateWebhookSecretAsync(string merchantId, CancellationToken cancellationToken = default);

    /// <summary>Stores a user's preferences.</summary>
    Task<UserPreferences> PutUserPreferencesAsync(string userId, UserPreferences preferences, CancellationToken cancellationToken = default);

    /// <summary>Reads a user's preferences.</summary>
    Task<UserPreferences> GetUserPreferencesAsync(string userId, CancellationToken cancellationToken = default);
}
