using PaymentNotifications.Grains.Delivery;

namespace PaymentNotifications.Grains.Notifications;

/// <summary>The periodic sweep for stuck notifications; bound from "Reconciliation". Durations take "5m", "30s" or "00:05:00".</summary>
public sealed class ReconciliationOptions
{
    /// <summary>How often each silo sweeps the partitions it owns (<c>Reconciliation:Interval</c>, default 5m).</summary>
    public string Interval { get; set; } = "5m";

    /// <summary>A PENDING notification this far past its next attempt without a live reminder is stuck (<c>Reconciliation:StuckAfter</c>, default 1m).</summary>
    public string StuckAfter { get; set; } = "1m";

    /// <summary>Most notifications resumed per sweep (<c>Reconciliation:BatchSize</c>, default 10000).</summary>
    public int BatchSize { get; set; } = 10_000;

    public TimeSpan GetInterval() => DurationText.Parse(Interval);

    public TimeSpan GetStuckAfter() => DurationText.Parse(StuckAfter);
}
