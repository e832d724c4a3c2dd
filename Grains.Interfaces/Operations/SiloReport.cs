using Orleans;

namespace PaymentNotifications.Grains.Interfaces.Operations;

/// <summary>One silo's own figures. CPU is a percentage of all the cores the process may use.</summary>
[GenerateSerializer, Immutable, Alias("silo-report")]
public sealed record SiloReport(
    string Id,
    string Address,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    long Activations,
    Dictionary<string, int> ActivationsByType,
    double? CpuPercent,
    long MemoryBytes,
    long GcHeapBytes,
    int ProcessorCount,
    SiloReminders Reminders,
    TrafficReport Traffic);

/// <summary>
/// The attempt timers of a silo's notifications: attempts they started and those that failed unexpectedly since
/// start, and how late after its due time the latest attempt started (within a second while the silo is healthy).
/// </summary>
[GenerateSerializer, Immutable, Alias("silo-reminders")]
public sealed record SiloReminders(long Fired, long Failed, double LagSeconds);

/// <summary>Recent traffic of one silo (or summed over silos): per-interval counts and histograms over the window.</summary>
[GenerateSerializer, Immutable, Alias("traffic-report")]
public sealed record TrafficReport(double IntervalSeconds, double WindowSeconds, List<TrafficPoint> Points, List<HistogramView> Histograms);

/// <summary>Counts during the interval ending at <see cref="T"/> (unix seconds).</summary>
[GenerateSerializer, Immutable, Alias("traffic-point")]
public sealed record TrafficPoint(long T, List<ChannelCount> Accepted, List<AttemptCount> Attempts, List<CompletionCount> Completed);

[GenerateSerializer, Immutable, Alias("channel-count")]
public sealed record ChannelCount(string Channel, double Count);

/// <summary>Attempts by channel, provider and outcome (delivered, retryable, permanent, unknown, deferred, notapplicable).</summary>
[GenerateSerializer, Immutable, Alias("attempt-count")]
public sealed record AttemptCount(string Channel, string Provider, string Outcome, double Count);

[GenerateSerializer, Immutable, Alias("completion-count")]
public sealed record CompletionCount(string Channel, string State, double Count);

/// <summary>
/// A histogram over the window: <see cref="Counts"/> per bucket (not cumulative), the last for +Inf.
/// Metric is "attemptDuration" (by provider) or "deliveryLatency" (by channel); values in seconds.
/// </summary>
[GenerateSerializer, Immutable, Alias("histogram")]
public sealed record HistogramView(string Metric, string? Channel, string? Provider, List<double> Bounds, List<long> Counts, double Sum, long Count);

/// <summary>
/// Where each silo leaves its latest <see cref="SiloReport"/>, keyed by the silo's address, so that any silo or
/// client can show the whole cluster without asking each silo over HTTP.
/// </summary>
[Alias("silo-report-grain")]
public interface ISiloReportGrain : IGrainWithStringKey
{
    Task Publish(SiloReport report);

    /// <summary>The latest report, or null when the silo has published none to this activation.</summary>
    Task<SiloReport?> Get();
}
