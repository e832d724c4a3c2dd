using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace PaymentNotifications.Grains.Scheduling;

/// <summary>
/// When this silo last saw the cluster's membership change (a silo joined, left or was declared dead). While the grain
/// directory settles after such a change, Orleans may briefly run two activations of one grain; attempts made then
/// first claim the notification in storage, so that only one of the two sends.
/// </summary>
public sealed class MembershipChanges(IClusterMembershipService membership, TimeProvider time) : BackgroundService
{
    private long _lastChangeTicks;

    /// <summary>Whether the membership changed within <paramref name="window"/> of now (or this silo has not seen it settle yet).</summary>
    public bool ChangedWithin(TimeSpan window) =>
        Interlocked.Read(ref _lastChangeTicks) is var ticks && (ticks == 0 || time.GetUtcNow().UtcTicks - ticks < window.Ticks);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var statuses = new Dictionary<SiloAddress, SiloStatus>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var current = snapshot.Members.ToDictionary(m => m.Key, m => m.Value.Status);
                if (statuses.Count == 0 || current.Count != statuses.Count || current.Any(m => !statuses.TryGetValue(m.Key, out var s) || s != m.Value))
                {
                    Interlocked.Exchange(ref _lastChangeTicks, time.GetUtcNow().UtcTicks);
                }
                statuses = current;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
