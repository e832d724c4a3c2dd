using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using PaymentNotifications.Grains.Interfaces.Scheduling;

namespace PaymentNotifications.Grains.Scheduling;

/// <summary>
/// Runs on every silo: pings every scheduler grain now and every <see cref="AttemptSchedulingOptions.KeepAliveInterval"/>,
/// so one whose silo died is activated on a survivor within seconds (its reminder alone could take a
/// minute), and asks them all to rescan their ranges when a silo is declared dead, so the attempts
/// that silo held are woken on the survivors.
/// </summary>
public sealed class SchedulerKeeper(
    IGrainFactory grains,
    IClusterMembershipService membership,
    IOptions<AttemptSchedulingOptions> options,
    TimeProvider time,
    ILogger<SchedulerKeeper> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(KeepAliveAsync(stoppingToken), WatchDeathsAsync(stoppingToken));

    private async Task KeepAliveAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.GetKeepAliveInterval();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await AllAsync(s => s.Ping());
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug(e, "A scheduler did not answer its ping; pinged again in {Interval}", interval);
            }
            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WatchDeathsAsync(CancellationToken stoppingToken)
    {
        var dead = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var newlyDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)).ToList();
                if (newlyDead.Count == 0)
                {
                    continue;
                }
                logger.LogInformation("Silo {Silos} declared dead: schedulers rescan their ranges", string.Join(", ", newlyDead.Select(m => m.SiloAddress)));
                try
                {
                    await AllAsync(s => s.Rescan());
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // A scheduler that could not be told is being activated elsewhere, and a fresh activation reads its whole range.
                    logger.LogDebug(e, "A scheduler did not take the rescan");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task AllAsync(Func<ISchedulerGrain, Task> call) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Shards).Select(shard => call(grains.GetGrain<ISchedulerGrain>(shard))));
}
