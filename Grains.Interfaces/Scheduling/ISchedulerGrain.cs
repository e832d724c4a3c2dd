using Orleans;
using PaymentNotifications.Grains.Interfaces.Notifications;

namespace PaymentNotifications.Grains.Interfaces.Scheduling;

/// <summary>What one scheduler has done since it was activated, for operators.</summary>
[GenerateSerializer, Immutable, Alias("scheduler-status")]
public sealed record SchedulerStatus(
    int Shard,
    BucketRange Buckets,
    DateTimeOffset ActivatedAt,
    DateTimeOffset? LastPollAt,
    DateTimeOffset? CoveredUntil,
    long Woken,
    DateTimeOffset? LastSweepAt,
    long Reconciled);

/// <summary>
/// The attempt scheduler of one range of notification buckets, keyed by shard number: wakes the
/// notifications whose next attempt comes due (Orleans reminders tick at one minute at best, and a
/// reminder per notification would hold every waiting one in memory), and sweeps the range for
/// stuck ones on its reconciliation reminder.
/// </summary>
[Alias("scheduler")]
public interface ISchedulerGrain : IGrainWithIntegerKey
{
    /// <summary>Keeps the scheduler active; every silo calls it periodically so a failed-over one comes back at once.</summary>
    Task Ping();

    /// <summary>Forgets how far the range was scanned, so the next poll wakes every due notification again (a silo died).</summary>
    Task Rescan();

    Task<SchedulerStatus> GetStatus();
}
