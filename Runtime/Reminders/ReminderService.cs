using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Membership;

namespace PaymentNotifications.Runtime.Reminders;

/// <summary>
/// Fires the due reminders of the partitions this silo owns. Each poll reads only owned partitions'
/// due rows. After a tick the next due time skips every period already past, so a tick missed
/// while no silo ran fires once, not once per missed period.
/// </summary>
public sealed class ReminderService(
    IReminderTable table,
    PartitionOwnership ownership,
    Activation.Catalog catalog,
    TimeProvider time,
    IOptions<ReminderOptions> options,
    ILogger<ReminderService> logger)
{
    private readonly ConcurrentDictionary<(GrainId, string), byte> _inFlight = new();
    private long _fired;
    private long _failed;

    /// <summary>Ticks delivered since start.</summary>
    public long Fired => Interlocked.Read(ref _fired);

    /// <summary>Ticks whose grain call failed (they are tried again later).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>How late, at the last poll, the most overdue tick was.</summary>
    public TimeSpan Lag { get; private set; }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var gate = new SemaphoreSlim(options.Value.MaxConcurrentTicks);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(gate, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Reminder poll failed");
            }
            try
            {
                await Task.Delay(options.Value.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        // Let ticks in flight finish so none is cut off half-way.
        for (var i = 0; i < options.Value.MaxConcurrentTicks; i++)
        {
            await gate.WaitAsync(CancellationToken.None);
        }
    }

    /// <summary>Reads and starts every due tick of owned partitions once.</summary>
    public async Task PollOnceAsync(SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        var owned = ownership.ValidPartitions;
        if (owned.Count == 0)
        {
            Lag = TimeSpan.Zero;
            return;
        }
        var now = time.GetUtcNow();
        var due = await table.ReadDueAsync(owned, now, options.Value.BatchSize, cancellationToken);
        Lag = due.Count == 0 ? TimeSpan.Zero : now - due[0].DueAt;
        foreach (var entry in due)
        {
            if (!_inFlight.TryAdd((entry.GrainId, entry.Name), 0))
            {
                continue;
            }
            await gate.WaitAsync(cancellationToken);
            _ = FireAsync(entry, gate);
        }
    }

    private async Task FireAsync(ReminderEntry entry, SemaphoreSlim gate)
    {
        try
        {
            var now = time.GetUtcNow();
            await catalog.InvokeRemindableAsync(entry.GrainId, entry.Name, new TickStatus(entry.DueAt, entry.Period, now));
            Interlocked.Increment(ref _fired);
            if (entry.Period is { } period)
            {
                await table.RescheduleAsync(entry.GrainId, entry.Name, entry.Version, NextDue(entry.DueAt, period, time.GetUtcNow()), CancellationToken.None);
            }
            else
            {
                // Removed only if the grain did not move it during the tick (a new version).
                await table.RemoveAsync(entry.GrainId, entry.Name, entry.Version, CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _failed);
            logger.LogWarning(e, "Reminder {ReminderName} of {GrainId} failed; it is tried again", entry.Name, entry.GrainId);
            try
            {
                await table.RescheduleAsync(entry.GrainId, entry.Name, entry.Version, time.GetUtcNow() + options.Value.FailedTickRetryDelay, CancellationToken.None);
            }
            catch (Exception rescheduleError)
            {
                logger.LogWarning(rescheduleError, "Reminder {ReminderName} of {GrainId} could not be rescheduled", entry.Name, entry.GrainId);
            }
        }
        finally
        {
            _inFlight.TryRemove((entry.GrainId, entry.Name), out _);
            gate.Release();
        }
    }

    /// <summary>The first time after <paramref name="now"/> on the reminder's period grid.</summary>
    public static DateTimeOffset NextDue(DateTimeOffset dueAt, TimeSpan period, DateTimeOffset now)
    {
        if (dueAt > now)
        {
            return dueAt;
        }
        var missed = (now - dueAt).Ticks / period.Ticks + 1;
        return dueAt + TimeSpan.FromTicks(period.Ticks * missed);
    }
}
