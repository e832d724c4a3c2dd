using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Membership;

namespace PaymentNotifications.Grains.Notifications;

/// <summary>
/// Every <c>Reconciliation:Interval</c>, sweeps the partitions this silo owns for PENDING
/// notifications overdue without a live reminder, and resumes them through their grains.
/// </summary>
public sealed class ReconciliationService(
    INotificationQueries queries,
    IGrainFactory grains,
    PartitionOwnership ownership,
    NotificationMetrics metrics,
    TimeProvider time,
    IOptions<ReconciliationOptions> options,
    ILogger<ReconciliationService> logger) : BackgroundService
{
    /// <summary>When the last sweep ended, and how many it resumed.</summary>
    public (DateTimeOffset? At, int Resumed, long TotalResumed) LastSweep { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.GetInterval();
        // The first sweep comes soon after start: a silo restarted more often than the interval still sweeps.
        var wait = options.Value.GetStuckAfter() < interval ? options.Value.GetStuckAfter() : interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, time, stoppingToken);
                wait = interval;
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Reconciliation sweep failed");
            }
        }
    }

    /// <summary>One sweep over the owned partitions; returns how many notifications it resumed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var owned = ownership.ValidPartitions;
        var resumed = 0;
        if (owned.Count > 0)
        {
            var stuckBefore = time.GetUtcNow() - options.Value.GetStuckAfter();
            var candidates = await queries.FindOverdueAsync(owned, stuckBefore, options.Value.BatchSize, cancellationToken);
            foreach (var id in candidates)
            {
                if (await grains.GetGrain<INotificationGrain>(id).Reconcile())
                {
                    resumed++;
                }
            }
            if (resumed > 0)
            {
                metrics.Reconciled(resumed);
                logger.LogWarning("Reconciliation resumed {Resumed} of {Candidates} overdue notifications", resumed, candidates.Count);
            }
        }
        LastSweep = (time.GetUtcNow(), resumed, LastSweep.TotalResumed + resumed);
        return resumed;
    }
}
