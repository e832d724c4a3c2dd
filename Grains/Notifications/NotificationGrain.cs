using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Dispatch;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Runtime;

namespace PaymentNotifications.Grains.Notifications;

/// <summary>
/// One notification's state machine. Submit makes PENDING durable, then delivery runs in later
/// turns: at once by a timer, and otherwise by the durable "deliver" reminder, which also covers a
/// silo dying mid-attempt. State and reminder are written side by side; if a crash lets only one
/// land, a stale reminder only wakes the grain, which then follows its state, and a PENDING state
/// left without a reminder is found by reconciliation.
/// </summary>
public sealed class NotificationGrain(
    ChannelDispatcher dispatcher,
    RetryScheduleSet schedules,
    IOptions<DeliveryOptions> deliveryOptions,
    IOptions<ReconciliationOptions> reconciliationOptions,
    NotificationMetrics metrics,
    TimeProvider time,
    ILogger<NotificationGrain> logger) : Grain<NotificationRecord>, INotificationGrain, IRemindable
{
    internal const string DeliverReminder = "deliver";

    // Stored errors are cut so one bad receiver cannot bloat the record.
    private const int MaxErrorLength = 500;

    private readonly TimeSpan _attemptTimeout = deliveryOptions.Value.GetAttemptTimeout();
    private readonly TimeSpan _stuckAfter = reconciliationOptions.Value.GetStuckAfter();

    public async Task<SubmitOutcome> Submit(string tenantId, NotificationRequest request, string requestHash)
    {
        if (StateExists)
        {
            if (State.RequestHash != requestHash)
            {
                return new SubmitOutcome(SubmitStatus.Conflict, State.ToView());
            }
            // A client retrying after a crash may find the PENDING state written but not its reminder: arm it again.
            if (State.State == NotificationState.Pending && await GetReminder(DeliverReminder) is null)
            {
                await ScheduleAsync(time.GetUtcNow());
            }
            return new SubmitOutcome(SubmitStatus.Existing, State.ToView());
        }

        var now = time.GetUtcNow();
        State = new NotificationRecord
        {
            Id = GetPrimaryKeyString(),
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
        // Both go out together (group commit usually puts them in one transaction); 202 waits for both.
        await Task.WhenAll(WriteStateAsync(), ScheduleAsync(now));
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
        await WriteStateAsync();
        await UnregisterReminder(DeliverReminder);
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
        var now = time.GetUtcNow();
        State.State = NotificationState.Pending;
        State.BudgetStart = State.Attempts.Count;
        State.Reason = null;
        State.CompletedAt = null;
        State.NextAttemptAt = now;
        State.UpdatedAt = now;
        await WriteStateAsync();
        await ScheduleAsync(now);
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
        await Task.WhenAll(WriteStateAsync(), answersUnknownAttempt ? UnregisterReminder(DeliverReminder) : Task.CompletedTask);
        logger.LogInformation("Notification {NotificationId}: {Provider} reports {DeliveryStatus}", State.Id, provider, deliveryStatus);
        return true;
    }

    public async Task<bool> Reconcile()
    {
        var now = time.GetUtcNow();
        if (!StateExists || State.State != NotificationState.Pending || State.NextAttemptAt > now - _stuckAfter)
        {
            return false;
        }
        var reminder = await GetReminder(DeliverReminder);
        if (reminder is not null && reminder.DueAt > now - _stuckAfter)
        {
            return false;
        }
        logger.LogWarning("Notification {NotificationId} was overdue since {NextAttemptAt} without a live reminder; resuming", State.Id, State.NextAttemptAt);
        await ScheduleAsync(now);
        return true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DeliverReminder || !StateExists || State.IsTerminal)
        {
            // Nothing to do: the one-shot reminder is removed after this tick.
            return;
        }
        var now = time.GetUtcNow();
        if (State.NextAttemptAt is { } next && next > now + TimeSpan.FromSeconds(1))
        {
            await RegisterOneShotReminder(DeliverReminder, next - now);
            return;
        }
        await AttemptAsync();
    }

    /// <summary>
    /// Arms delivery: a durable reminder at the next attempt (or, when that is now, a watchdog one
    /// attempt-timeout later in case this silo dies mid-attempt) and, when due now, an immediate turn.
    /// </summary>
    private async Task ScheduleAsync(DateTimeOffset now)
    {
        var next = State.NextAttemptAt ?? now;
        if (next > now)
        {
            await RegisterOneShotReminder(DeliverReminder, next - now);
            return;
        }
        await RegisterOneShotReminder(DeliverReminder, _attemptTimeout + TimeSpan.FromSeconds(5));
        IDisposable? timer = null;
        timer = RegisterTimer(async _ =>
        {
            timer?.Dispose();
            await AttemptAsync();
        }, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private async Task AttemptAsync()
    {
        var now = time.GetUtcNow();
        if (State.IsTerminal || (State.NextAttemptAt is { } due && due > now))
        {
            return;
        }
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
        var reminder = State.IsTerminal
            ? UnregisterReminder(DeliverReminder)
            : RegisterOneShotReminder(DeliverReminder, State.NextAttemptAt!.Value - now);
        await Task.WhenAll(WriteStateAsync(), reminder);
        if (State.IsTerminal)
        {
            LogCompletion();
            // A finished notification is rarely asked again: free its activation now rather than after the idle age.
            DeactivateOnIdle();
        }
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
