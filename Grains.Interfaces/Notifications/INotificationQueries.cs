using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Interfaces.Notifications;

/// <summary>Filters for listing notifications; null fields do not filter.</summary>
public sealed record NotificationFilter
{
    public NotificationState? State { get; init; }
    public Channel? Channel { get; init; }
    public string? Type { get; init; }
    public string? UserId { get; init; }

    /// <summary>Only notifications created (or, for FAILED ones listed as dead letters, completed) at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }
}

/// <summary>A page of notifications, newest first, with the cursor of the next page (null on the last).</summary>
public sealed record NotificationPage(IReadOnlyList<NotificationView> Items, string? NextCursor);

/// <summary>A PENDING notification and when its next attempt is due.</summary>
[Orleans.GenerateSerializer, Orleans.Immutable, Orleans.Alias("due-notification")]
public sealed record DueNotification(string Id, DateTimeOffset DueAt);

/// <summary>The buckets <c>[From, To)</c> of <see cref="NotificationId.BucketOf"/> one scheduler owns.</summary>
[Orleans.GenerateSerializer, Orleans.Immutable, Orleans.Alias("bucket-range")]
public readonly record struct BucketRange(int From, int To)
{
    public bool Contains(int bucket) => bucket >= From && bucket < To;
}

/// <summary>Counts that operators and the dashboard watch; overdue ones are PENDING with their next attempt already due.</summary>
public sealed record NotificationStats(
    IReadOnlyDictionary<string, long> ByState,
    long Overdue,
    DateTimeOffset? OldestPendingCreatedAt,
    DateTimeOffset? OldestOverdueAt);

/// <summary>
/// Reads over the notification records, by indexed columns (state, tenant, channel, type, user,
/// time), for the API's list, dead letters, replay and reconciliation.
/// </summary>
public interface INotificationQueries
{
    /// <summary>Lists a tenant's notifications (all tenants when <paramref name="tenantId"/> is null), newest first.</summary>
    Task<NotificationPage> ListAsync(string? tenantId, NotificationFilter filter, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>Ids of FAILED notifications completed at or after <paramref name="since"/>.</summary>
    Task<IReadOnlyList<string>> FindFailedAsync(string? tenantId, DateTimeOffset since, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Finished notifications that still hold their content although they finished before the cut-off: critical ones
    /// before <paramref name="criticalBefore"/>, any before <paramref name="allBefore"/>; oldest first.
    /// </summary>
    Task<IReadOnlyList<string>> FindContentDueForRemovalAsync(DateTimeOffset criticalBefore, DateTimeOffset allBefore, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// PENDING notifications of the buckets in <paramref name="buckets"/> whose next attempt is due
    /// at or before <paramref name="dueBy"/> and after <paramref name="after"/>, in (due, id) order.
    /// </summary>
    Task<IReadOnlyList<DueNotification>> FindDueAsync(BucketRange buckets, DueNotification? after, DateTimeOffset dueBy, int limit, CancellationToken cancellationToken);

    /// <summary>The tenant a notification belongs to, or null when it does not exist.</summary>
    Task<string?> FindTenantAsync(string notificationId, CancellationToken cancellationToken);

    Task<NotificationStats> ReadStatsAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
