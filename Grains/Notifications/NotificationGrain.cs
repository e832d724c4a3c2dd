using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Dispatch;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Scheduling;
using PaymentNotifications.Grains.Storage;
using Orleans;
using Orleans.Placement;
using Orleans.Runtime;

namespace PaymentNotifications.Grains.Notifications;

/// <summary>
/// One notification's state machine. Submit makes PENDING durable, then delivery runs in later
/// turns. The durable schedule is the record's next attempt time: while it is near, the activation
/// holds a grain timer for it; further out, the activation goes away and a <see cref="SchedulerGrain"/>
/// wakes it shortly before it is due. A silo dying mid-attempt leaves the attempt due, and the
/// schedulers wake it again on a survivor.
/// </summary>
[GrainType("notification")]
// An activation a read brought up goes after two idle minutes, not Orleans' default fifteen; it must outlive any timer it holds.
[CollectionAgeLimit(Minutes = NotificationGrain.CollectionAgeMinutes)]
// Activated on the silo whose API took the submit (or whose scheduler woke it): the submit and the attempt stay in process.
[PreferLocalPlacement]
public sealed class NotificationGrain(
    [PersistentState(NotificationGrain.StateName, StorageNames.Notifications)] IPersistentState<NotificationRecord> record,
    ChannelDispatcher dispatcher,
    RetryScheduleSet schedules,
    IOptions<DeliveryOptions> deliveryOptions,
    IOptions<ReconciliationOptions> reconciliationOptions,
    IOptions<AttemptSchedulingOptions> schedulingOptions,
    IOptions<RetentionOptions> retention,
    NotificationMetrics metrics,
    MembershipChanges membershipChanges,
    TimeProvider time,
    ILogger<NotificationGrain> logger) : Grain, INotificationGrain
{
    public const string StateName = "notification";

    public const int CollectionAgeMinutes = 2;

    // Stored errors are cut so one bad receiver cannot bloat the record.
    private const int MaxErrorLength = 500;

    private readonly TimeSpan _attemptTimeout = deliveryOptions.Value.GetAttemptTimeout();
    private readonly TimeSpan _stuckAfter = reconciliationOptions.Value.GetStuckAfter();
    private readonly TimeSpan _activeHorizon = schedulingOptions.Value.GetActiveHorizon();
    private readonly TimeSpan _claimWindow = schedulingOptions.Value.GetClaimWindow();

    // The next attempt, while it is within the active horizon.
    private IGrainTimer? _timer;

    // Activated already past the stuck threshold: a reconciliation that woke it should count it even if the timer runs first.
    private bool _activatedStuck;

    // An attempt is under way (its turn awaits the provider; Wake may interleave).
    private bool _attempting;

    // This activation has written the state at least once: it holds the stored version, not only a read of it.
    private bool _hasWritten;

    private NotificationRecord State
    {
        get => record.State;
        set => record.State = value;
    }

    private bool StateExists => record.RecordExists;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (StateExists && State.State == NotificationState.Pending)
        {
            var now = time.GetUtcNow();
            _activatedStuck = State.NextAttemptAt <= now - _stuckAfter;
            // Not let go from here: the call that activated it has yet to run (it goes when idle, by its collection age).
            Arm(now, letGoWhenFar: false);
        }
        return Task.CompletedTask;
    }

    public async Task<SubmitOutcome> Submit(string tenantId, NotificationRequest request, string requestHash)
    {
        if (StateExists)
        {
            if (State.RequestHash != requestHash)
            {
                return new SubmitOutcome(SubmitStatus.Conflict, State.ToView());
            }
            return new SubmitOutcome(SubmitStatus.Existing, State.ToView());
        }

        var now = time.GetUtcNow();
        State = new NotificationRecord
        {
            Id = this.GetPrimaryKeyString(),
            TenantId = tenantId,
            IdempotencyKey = request.IdempotencyKey!,
            RequestHash = requestHash,
            Type = request.Type!,
            Channel = request.Channel!.Value,
            Priority = request.Priority ?? Priority.Normal,
            State = NotificationState.Pending,
            Recipient = request.Recipient ?? new Recipient(),
            Data = request.Data,
            Template = request.Template,
            Content = request.Content,
            SendAt = request.SendAt,
            NextAttemptAt = request.SendAt is { } sendAt && sendAt > now ? sendAt : now,
            CreatedAt = now,
            UpdatedAt = now,
        };
        // 202 waits for this write: PENDING is durable, and with it the next attempt's time.
        await WriteAsync();
        Arm(now);
        metrics.Accepted(State.Channel);
        return new SubmitOutcome(SubmitStatus.Created, State.ToView());
    }

    public Task<NotificationView?> Get(string tenantId) =>
        Task.FromResult(StateExists && State.TenantId == tenantId ? State.ToView() : null);

    public async Task<CommandOutcome> Cancel(string tenantId)
    {
        if (!StateExists || State.TenantId != tenantId)
        {
            return new CommandOutcome(CommandStatus.NotFound, null);
        }
        if (State.State != NotificationState.Pending)
        {
            return new CommandOutcome(CommandStatus.WrongState, State.ToView());
        }
        Complete(NotificationState.Cancelled, "Cancelled on request.");
        await WriteAsync();
        Disarm();
        return new CommandOutcome(CommandStatus.Applied, State.ToView());
    }

    public async Task<CommandOutcome> Retry(string tenantId)
    {
        if (!StateExists || State.TenantId != tenantId)
        {
            return new CommandOutcome(CommandStatus.NotFound, null);
        }
        if (State.State != NotificationState.Failed)
        {
            return new CommandOutcome(CommandStatus.WrongState, State.ToView());
        }
        if (State.ContentRemovedAt is not null)
        {
            return new CommandOutcome(CommandStatus.ContentRemoved, State.ToView());
        }
        var now = time.GetUtcNow();
        State.State = NotificationState.Pending;
        State.BudgetStart = State.Attempts.Count;
        State.Reason = null;
        State.CompletedAt = null;
        State.NextAttemptAt = now;
        State.UpdatedAt = now;
        await WriteAsync();
        Arm(now);
        logger.LogInformation("Notification {NotificationId} replayed with a fresh attempt budget", State.Id);
        return new CommandOutcome(CommandStatus.Applied, State.ToView());
    }

    public async Task<bool> RecordReceipt(string provider, string deliveryStatus)
    {
        if (!StateExists)
        {
            return false;
        }
        State.DeliveryStatus = deliveryStatus;
        State.UpdatedAt = time.GetUtcNow();
        // The provider has the message an attempt got no answer for: it is delivered, and the pending retry would send it twice.
        var answersUnknownAttempt = State.State == NotificationState.Pending && State.Attempts.LastOrDefault() is { Outcome: "unknown" } last
            && last.Provider == provider && deliveryStatus is "sent" or "delivered";
        if (answersUnknownAttempt)
        {
            Complete(NotificationState.Success, $"The provider reported the message {deliveryStatus} after an attempt without an answer.");
        }
        await WriteAsync();
        if (answersUnknownAttempt)
        {
            Disarm();
        }
        logger.LogInformation("Notification {NotificationId}: {Provider} reports {DeliveryStatus}", State.Id, provider, deliveryStatus);
        return true;
    }

    public async Task<bool> RemoveExpiredContent()
    {
        var now = time.GetUtcNow();
        if (!StateExists || State.ContentRemovedAt is not null || State.CompletedAt is not { } completed
            || retention.Value.RemovalDue(State.Priority == Priority.Critical, completed) > now)
        {
            return false;
        }
        State.Data = null;
        State.Content = null;
        State.ContentRemovedAt = now;
        State.UpdatedAt = now;
        await WriteAsync();
        this.DeactivateOnIdle();
        return true;
    }

    public Task<bool> Reconcile()
    {
        var now = time.GetUtcNow();
        var wasStuck = _activatedStuck;
        _activatedStuck = false;
        if (StateExists && State.State == NotificationState.Pending && State.NextAttemptAt <= now - _stuckAfter)
        {
            // A turn of its own: the attempt it was due for is not running, or this call would have waited for it.
            Arm(now);
            wasStuck = true;
        }
        if (wasStuck)
        {
            logger.LogWarning("Notification {NotificationId} was found overdue by reconciliation; resumed", State.Id);
        }
        return Task.FromResult(wasStuck);
    }

    public Task Wake()
    {
        // Activated by this call, it armed itself; active already with no timer (a read brought it up while its time was
        // far), it arms now. An attempt under way arms the next one when it ends.
        if (StateExists && State.State == NotificationState.Pending && _timer is null && !_attempting)
        {
            Arm(time.GetUtcNow(), letGoWhenFar: false);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Arms the next attempt of a PENDING notification: a timer when it is within the active horizon,
    /// otherwise nothing held here, and the activation is let go after this turn (a scheduler wakes it
    /// when it comes near).
    /// </summary>
    private void Arm(DateTimeOffset now, bool letGoWhenFar = true)
    {
        Disarm();
        var wait = (State.NextAttemptAt ?? now) - now;
        if (wait > _activeHorizon)
        {
            if (letGoWhenFar)
            {
                this.DeactivateOnIdle();
            }
            return;
        }
        _timer = this.RegisterGrainTimer(AttemptAsync, new GrainTimerCreationOptions
        {
            DueTime = wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            Period = Timeout.InfiniteTimeSpan,
            KeepAlive = true,
        });
    }

    private void Disarm()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private async Task AttemptAsync()
    {
        _timer = null;
        _attempting = true;
        try
        {
            await AttemptDueAsync();
        }
        catch (Exception e)
        {
            // The outcome is not stored (another activation wrote, or storage failed): this activation's state is not the
            // stored one. It goes, and the stored next attempt stands, for a scheduler sweep or a new activation.
            logger.LogWarning(e, "Notification {NotificationId}: the attempt's outcome could not be stored; the activation reloads its state", State.Id);
            this.DeactivateOnIdle();
        }
        finally
        {
            _attempting = false;
        }
    }

    private async Task AttemptDueAsync()
    {
        var now = time.GetUtcNow();
        if (State.IsTerminal)
        {
            return;
        }
        if (State.NextAttemptAt is { } due && due > now)
        {
            // The clock's timer fired early (a clock change): wait for the real time.
            Arm(now);
            return;
        }
        if (!await ClaimAsync(now))
        {
            return;
        }
        metrics.AttemptStarted(now - (State.NextAttemptAt ?? now));
        var schedule = schedules.For(State.Channel, State.Type);
        var number = State.Attempts.Count + 1;
        var request = new DeliveryRequest(State.Id, State.TenantId, State.Type, State.Channel, State.Priority, State.Recipient,
            State.Data, State.Template, State.Content, State.CreatedAt, number);

        var started = time.GetTimestamp();
        DeliveryResult result;
        using (var timeout = new CancellationTokenSource(_attemptTimeout, time))
        {
            try
            {
                result = await dispatcher.DeliverAsync(request, timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                result = new DeliveryResult(AttemptOutcome.Unknown, State.Channel.ToString().ToLowerInvariant(), Error: $"No answer within {_attemptTimeout.TotalSeconds:0.#} s.");
            }
            catch (Exception e)
            {
                logger.LogError(e, "Delivery attempt {Attempt} of {NotificationId} failed unexpectedly", number, State.Id);
                metrics.AttemptFailedUnexpectedly();
                result = new DeliveryResult(AttemptOutcome.Retryable, State.Channel.ToString().ToLowerInvariant(), Error: e.GetType().Name);
            }
        }
        var elapsed = time.GetElapsedTime(started);
        now = time.GetUtcNow();
        metrics.Attempted(State.Channel, result, elapsed);

        switch (result.Outcome)
        {
            case AttemptOutcome.Delivered:
                Record(number, result, now - elapsed, elapsed, "succeeded");
                Complete(NotificationState.Success, null);
                metrics.Completed(State, now);
                break;
            case AttemptOutcome.NotApplicable:
                Complete(NotificationState.NotApply, result.Error);
                metrics.Completed(State, now);
                break;
            case AttemptOutcome.Deferred:
                State.NextAttemptAt = result.DeferUntil ?? now + TimeSpan.FromMinutes(1);
                State.Reason = result.Error;
                break;
            case AttemptOutcome.Permanent:
                Record(number, result, now - elapsed, elapsed, "failed");
                Complete(NotificationState.Failed, Cut(result.Error) ?? "Permanent failure.");
                metrics.Completed(State, now);
                break;
            default:
                Record(number, result, now - elapsed, elapsed, result.Outcome == AttemptOutcome.Unknown ? "unknown" : "failed");
                var nextInBudget = State.AttemptsInBudget + 1;
                if (schedule.HasAttempt(nextInBudget))
                {
                    State.NextAttemptAt = now + schedule.DelayBeforeAttempt(nextInBudget, retryAfter: result.RetryAfter);
                    State.Reason = Cut(result.Error);
                }
                else
                {
                    Complete(NotificationState.Failed, $"All {schedule.MaxAttempts} attempts failed; last: {Cut(result.Error)}");
                    metrics.Completed(State, now);
                }
                break;
        }
        State.UpdatedAt = now;
        await WriteAsync();
        if (State.IsTerminal)
        {
            LogCompletion();
            // A finished notification is rarely asked again: free its activation now rather than after the idle age.
            this.DeactivateOnIdle();
        }
        else
        {
            Arm(now);
        }
    }

    /// <summary>
    /// Before an attempt that another activation of this notification might also make (this one has not written yet, or
    /// the membership changed lately, when Orleans can briefly run two), writes the state once: of two activations only
    /// the one holding the stored version gets through, and the other sends nothing and goes away.
    /// </summary>
    private async Task<bool> ClaimAsync(DateTimeOffset now)
    {
        if (_hasWritten && !membershipChanges.ChangedWithin(_claimWindow))
        {
            return true;
        }
        State.UpdatedAt = now;
        try
        {
            await WriteAsync();
            return true;
        }
        catch (Orleans.Storage.InconsistentStateException)
        {
            logger.LogInformation("Notification {NotificationId}: another activation holds its state; this one does not attempt", State.Id);
            metrics.AttemptYielded();
            this.DeactivateOnIdle();
            return false;
        }
    }

    private async Task WriteAsync()
    {
        await record.WriteStateAsync();
        _hasWritten = true;
    }

    private void Record(int number, DeliveryResult result, DateTimeOffset startedAt, TimeSpan elapsed, string outcome) =>
        State.Attempts.Add(new AttemptView
        {
            Number = number,
            Provider = result.Provider,
            StartedAt = startedAt,
            DurationMs = (long)elapsed.TotalMilliseconds,
            Outcome = outcome,
            StatusCode = result.StatusCode,
            Error = Cut(result.Error),
            ProviderMessageId = result.ProviderMessageId,
        });

    private void Complete(NotificationState state, string? reason)
    {
        var now = time.GetUtcNow();
        State.State = state;
        State.Reason = reason;
        State.CompletedAt = now;
        State.NextAttemptAt = null;
        State.UpdatedAt = now;
    }

    private void LogCompletion()
    {
        if (State.State == NotificationState.Failed)
        {
            logger.LogWarning("Notification {NotificationId} failed after {Attempts} attempts: {Reason}", State.Id, State.Attempts.Count, State.Reason);
        }
        else
        {
            logger.LogDebug("Notification {NotificationId} is {State}", State.Id, State.State);
        }
    }

    private static string? Cut(string? text) => text is { Length: > MaxErrorLength } ? text[..MaxErrorLength] : text;
}
