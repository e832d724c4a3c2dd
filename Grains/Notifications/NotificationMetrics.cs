using System.Diagnostics;
using System.Diagnostics.Metrics;
using PaymentNotifications.Grains.Dispatch;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Notifications;

/// <summary>The notification golden signals, as System.Diagnostics.Metrics instruments.</summary>
public sealed class NotificationMetrics : IDisposable
{
    public const string MeterName = "PaymentNotifications";

    private readonly Meter _meter;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _attemptDuration;
    private readonly Counter<long> _completed;
    private readonly Histogram<double> _endToEnd;
    private readonly Counter<long> _reconciled;
    private readonly Histogram<double> _lateness;
    private long _attemptsStarted;
    private long _attemptsFailedUnexpectedly;
    private long _lastLatenessTicks;
    private long _attemptsYielded;
    private readonly Counter<long> _yielded;

    /// <summary>Bucket bounds of the seconds histograms: 5 ms to a day, with 30 s for the "delivered within 30 s" figure.</summary>
    public static readonly IReadOnlyList<double> SecondsBounds =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];

    private static readonly InstrumentAdvice<double> Seconds = new() { HistogramBucketBoundaries = SecondsBounds };

    public NotificationMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _accepted = _meter.CreateCounter<long>("notifications.accepted", description: "Notifications accepted (new, PENDING and durable).");
        _attempts = _meter.CreateCounter<long>("notifications.attempts", description: "Delivery attempts by channel, provider and outcome.");
        _attemptDuration = _meter.CreateHistogram("notifications.attempt.duration", unit: "s", description: "Duration of delivery attempts.", tags: null, advice: Seconds);
        _completed = _meter.CreateCounter<long>("notifications.completed", description: "Notifications that reached a final state, by state.");
        _endToEnd = _meter.CreateHistogram("notifications.delivery.latency", unit: "s", description: "From acceptance to final SUCCESS.", tags: null, advice: Seconds);
        _reconciled = _meter.CreateCounter<long>("notifications.reconciled", description: "Stuck notifications resumed by reconciliation.");
        _yielded = _meter.CreateCounter<long>("notifications.attempts.yielded",
            description: "Attempts not made because another activation of the notification held its state (after a membership change).");
        _lateness = _meter.CreateHistogram("notifications.attempt.lateness", unit: "s",
            description: "How long after its due time an attempt started (its timer, or the scheduler waking it after a failover or restart).", tags: null, advice: Seconds);
    }

    public void Accepted(Channel channel) => _accepted.Add(1, new KeyValuePair<string, object?>("channel", Name(channel)));

    public void Attempted(Channel channel, DeliveryResult result, TimeSpan duration)
    {
        var tags = new TagList { { "channel", Name(channel) }, { "provider", result.Provider }, { "outcome", result.Outcome.ToString().ToLowerInvariant() } };
        _attempts.Add(1, tags);
        _attemptDuration.Record(duration.TotalSeconds, tags);
    }

    public void Completed(NotificationRecord record, DateTimeOffset now)
    {
        _completed.Add(1, new TagList { { "channel", Name(record.Channel) }, { "state", record.State.ToString().ToUpperInvariant() } });
        if (record.State == NotificationState.Success)
        {
            _endToEnd.Record((now - record.CreatedAt).TotalSeconds, new KeyValuePair<string, object?>("channel", Name(record.Channel)));
        }
    }

    public void Reconciled(int count) => _reconciled.Add(count);

    /// <summary>Attempts started on this silo since start.</summary>
    public long AttemptsStarted => Interlocked.Read(ref _attemptsStarted);

    /// <summary>Attempts on this silo that ended in an unexpected exception since start.</summary>
    public long AttemptsFailedUnexpectedly => Interlocked.Read(ref _attemptsFailedUnexpectedly);

    /// <summary>How late the latest attempt on this silo started.</summary>
    public TimeSpan LastAttemptLateness => TimeSpan.FromTicks(Interlocked.Read(ref _lastLatenessTicks));

    public void AttemptStarted(TimeSpan lateness)
    {
        var late = lateness < TimeSpan.Zero ? TimeSpan.Zero : lateness;
        Interlocked.Increment(ref _attemptsStarted);
        Interlocked.Exchange(ref _lastLatenessTicks, late.Ticks);
        _lateness.Record(late.TotalSeconds);
    }

    public void AttemptFailedUnexpectedly() => Interlocked.Increment(ref _attemptsFailedUnexpectedly);

    /// <summary>Attempts this silo did not make because another activation of the notification held its state.</summary>
    public long AttemptsYielded => Interlocked.Read(ref _attemptsYielded);

    public void AttemptYielded()
    {
        Interlocked.Increment(ref _attemptsYielded);
        _yielded.Add(1);
    }

    private static string Name(Channel channel) => channel.ToString().ToLowerInvariant();

    public void Dispose() => _meter.Dispose();
}
