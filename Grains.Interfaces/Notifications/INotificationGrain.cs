using Orleans;
using Orleans.Concurrency;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Interfaces.Notifications;

/// <summary>
/// One notification, keyed by its id (derived from tenant and idempotency key, see
/// <see cref="NotificationId"/>). Holds the state machine PENDING -> SUCCESS | FAILED | NOT_APPLY,
/// or CANCELLED, and every attempt.
/// </summary>
[Alias("notification")]
public interface INotificationGrain : IGrainWithStringKey
{
    /// <summary>Creates the notification (PENDING, durable before this returns) or reports the existing one.</summary>
    Task<SubmitOutcome> Submit(string tenantId, NotificationRequest request, string requestHash);

    /// <summary>The notification, or null when it does not exist for this tenant.</summary>
    Task<NotificationView?> Get(string tenantId);

    Task<CommandOutcome> Cancel(string tenantId);

    /// <summary>Puts a FAILED notification back to PENDING with a fresh attempt budget.</summary>
    Task<CommandOutcome> Retry(string tenantId);

    /// <summary>Records a provider's later report (delivered, undelivered, bounced); the state stays as it is. False when unknown.</summary>
    Task<bool> RecordReceipt(string provider, string deliveryStatus);

    /// <summary>
    /// Removes the request's data and content of a finished notification whose retention time has passed
    /// (<c>Retention:*</c>); state, attempts and metadata stay. True when it removed them now.
    /// </summary>
    Task<bool> RemoveExpiredContent();

    /// <summary>Resumes a PENDING notification whose next attempt is overdue by the stuck threshold; true when it was stuck.</summary>
    Task<bool> Reconcile();

    /// <summary>
    /// Makes sure the notification's next attempt is armed (activating it if need be); the scheduler calls it as the
    /// attempt comes due. It never waits for an attempt under way, which arms the next one itself.
    /// </summary>
    [AlwaysInterleave]
    Task Wake();
}
