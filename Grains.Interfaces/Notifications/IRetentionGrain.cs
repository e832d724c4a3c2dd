using Orleans;

namespace PaymentNotifications.Grains.Interfaces.Notifications;

/// <summary>
/// The cluster's one retention sweeper (key 0): on a reminder every <c>Retention:SweepInterval</c>, it finds finished
/// notifications whose content is past its retention time and has each notification grain remove it.
/// </summary>
[Alias("retention")]
public interface IRetentionGrain : IGrainWithIntegerKey
{
    /// <summary>Activates the sweeper, which registers its reminder; silos call it as they start.</summary>
    Task Start();

    /// <summary>Removes the content due now (at most <c>Retention:BatchSize</c> notifications); how many it removed.</summary>
    Task<int> Sweep();
}
