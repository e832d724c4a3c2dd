using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Interfaces.Scheduling;
using PaymentNotifications.Grains.Notifications;

namespace PaymentNotifications.Grains.Scheduling;

/// <summary>
/// Schedules the attempts of one range of notification buckets on second precision, over the
/// durable next-attempt times of the notifications table: every poll it wakes the notifications
/// whose attempt comes due within <see cref="AttemptSchedulingOptions.WakeAhead"/> and were not woken
/// yet, and each notification's own timer then fires on time. Only times the range has not
/// reached yet are read, so a notification armed by its own activation is not woken again; after
/// activation or <see cref="Rescan"/> the whole range is read once, which resumes whatever a dead
/// silo held. Its Orleans reminder sweeps the range for stuck notifications (reconciliation).
/// Written by hand: Orleans reminders tick at one minute at best and would hold a row per
/// waiting notification in every silo's memory.
/// </summary>
[GrainType("scheduler")]
public sealed class SchedulerGrain(
    INotificationQueries queries,
    IOptions<AttemptSchedulingOptions> schedulingOptions,
    IOptions<ReconciliationOptions> reconciliationOptions,
    NotificationMetrics metrics,
    TimeProvider time,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain, IRemindable
{
    public const string ReconcileReminder = "reconcile";

    private readonly AttemptSchedulingOptions _options = schedulingOptions.Value;
    private readonly ReconciliationOptions _reconciliation = reconciliationOptions.Value;
    private BucketRange _range;
    private DateTimeOffset _activatedAt;

    // Everything at or before this (due, id) was woken; null: nothing yet, read the range from its start.
    private DueNotification? _covered;
    private DateTimeOffset? _lastPollAt;
    private DateTimeOffset? _lastSweepAt;
    private long _woken;
    private long _reconciled;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var shard = (int)this.GetPrimaryKeyLong();
        _range = _options.RangeOf(shard);
        _activatedAt = time.GetUtcNow();
        this.RegisterGrainTimer(PollAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = _options.GetPollInterval(),
            KeepAlive = true,
        });
        // Registered once: registering again on every activation would push the next sweep out each time.
        if (await this.GetReminder(ReconcileReminder) is null)
        {
            var interval = _reconciliation.GetInterval();
            await this.RegisterOrUpdateReminder(ReconcileReminder, interval, interval);
        }
    }

    public Task Ping() => Task.CompletedTask;

    public Task Rescan()
    {
        _covered = null;
        return Task.CompletedTask;
    }

    public Task<SchedulerStatus> GetStatus() => Task.FromResult(new SchedulerStatus(
        (int)this.GetPrimaryKeyLong(), _range, _activatedAt, _lastPollAt, _covered?.DueAt, _woken, _lastSweepAt, _reconciled));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReconcileReminder)
        {
            return;
        }
        var stuckBefore = time.GetUtcNow() - _reconciliation.GetStuckAfter();
        var candidates = await queries.FindDueAsync(_range, after: null, stuckBefore, _reconciliation.BatchSize, CancellationToken.None);
        var resumed = 0;
        foreach (var chunk in candidates.Chunk(_options.BatchSize))
        {
            var answers = await Task.WhenAll(chunk.Select(d => GrainFactory.GetGrain<INotificationGrain>(d.Id).Reconcile()));
            resumed += answers.Count(resumedOne => resumedOne);
        }
        _lastSweepAt = time.GetUtcNow();
        _reconciled += resumed;
        if (resumed > 0)
        {
            metrics.Reconciled(resumed);
            logger.LogWarning("Reconciliation of buckets {From}-{To} resumed {Resumed} of {Candidates} overdue notifications",
                _range.From, _range.To - 1, resumed, candidates.Count);
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var upTo = now + _options.GetWakeAhead();
        IReadOnlyList<DueNotification> due;
        try
        {
            due = await queries.FindDueAsync(_range, _covered, upTo, _options.BatchSize, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Scheduler of buckets {From}-{To} could not read due notifications; it tries again next poll", _range.From, _range.To - 1);
            return;
        }
        _lastPollAt = now;
        var woken = await Task.WhenAll(due.Select(WakeAsync));
        _woken += woken.Count(ok => ok);
        if (woken.Contains(false))
        {
            // Woken again next poll: waking is idempotent, losing one is not.
            return;
        }
        // A full batch may have more behind it at the same times: carry on from its last row.
        _covered = due.Count == _options.BatchSize ? due[^1] : new DueNotification("", upTo);
    }

    private async Task<bool> WakeAsync(DueNotification notification)
    {
        try
        {
            await GrainFactory.GetGrain<INotificationGrain>(notification.Id).Wake();
            return true;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Notification {NotificationId} due at {DueAt} could not be woken", notification.Id, notification.DueAt);
            return false;
        }
    }
}
