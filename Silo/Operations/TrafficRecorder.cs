using Microsoft.Extensions.Options;
using PaymentNotifications.Api;
using PaymentNotifications.Grains.Interfaces.Operations;
using PaymentNotifications.Silo.Metrics;

namespace PaymentNotifications.Silo.Operations;

/// <summary>
/// Samples this silo's notification counters and histograms every interval and keeps a window of
/// samples, so the dashboard gets per-interval traffic and windowed latency without a time-series store.
/// Points are stamped on interval boundaries so that the points of several silos add up.
/// </summary>
public sealed class TrafficRecorder(MetricSnapshots metrics, ProcessUsage usage, TimeProvider time, IOptions<OperationsOptions> options, ILogger<TrafficRecorder> logger)
    : BackgroundService
{
    public const string Accepted = "notifications.accepted";
    public const string Attempts = "notifications.attempts";
    public const string Completed = "notifications.completed";
    public const string AttemptDuration = "notifications.attempt.duration";
    public const string DeliveryLatency = "notifications.delivery.latency";

    private readonly OperationsOptions _options = options.Value;
    private readonly Lock _gate = new();
    private readonly LinkedList<Sample> _samples = new();

    private sealed record Sample(long T, IReadOnlyDictionary<string, FamilySnapshot> Families);

    /// <summary>Takes a sample now (also called by the loop).</summary>
    public void SampleNow()
    {
        // Keeps the CPU reading current, so the cluster view has one on its first ask.
        usage.CpuPercent();
        var families = metrics.Read();
        var intervalMs = (long)_options.SampleInterval.TotalMilliseconds;
        var t = (long)Math.Round(time.GetUtcNow().ToUnixTimeMilliseconds() / (double)intervalMs) * intervalMs;
        var keep = (int)Math.Ceiling(_options.TrafficWindow / _options.SampleInterval) + 1;
        lock (_gate)
        {
            if (_samples.Last is { } last && last.Value.T >= t)
            {
                _samples.RemoveLast();
            }
            _samples.AddLast(new Sample(t, families));
            while (_samples.Count > keep)
            {
                _samples.RemoveFirst();
            }
        }
    }

    /// <summary>Per-interval counts between consecutive samples and histograms over the whole window.</summary>
    public TrafficReport Read()
    {
        List<Sample> samples;
        lock (_gate)
        {
            samples = [.. _samples];
        }
        var points = new List<TrafficPoint>();
        for (var i = 1; i < samples.Count; i++)
        {
            var (before, after) = (samples[i - 1], samples[i]);
            points.Add(new TrafficPoint(after.T / 1000,
                [.. Deltas(before, after, Accepted).Select(d => new ChannelCount(d.Series.Label("channel") ?? "", d.Delta))],
                [.. Deltas(before, after, Attempts).Select(d => new AttemptCount(d.Series.Label("channel") ?? "", d.Series.Label("provider") ?? "", d.Series.Label("outcome") ?? "", d.Delta))],
                [.. Deltas(before, after, Completed).Select(d => new CompletionCount(d.Series.Label("channel") ?? "", d.Series.Label("state") ?? "", d.Delta))]));
        }
        var histograms = new List<HistogramView>();
        if (samples.Count >= 2)
        {
            histograms.AddRange(HistogramDeltas(samples[0], samples[^1], AttemptDuration, "attemptDuration"));
            histograms.AddRange(HistogramDeltas(samples[0], samples[^1], DeliveryLatency, "deliveryLatency"));
        }
        var window = samples.Count >= 2 ? (samples[^1].T - samples[0].T) / 1000.0 : 0;
        return new TrafficReport(_options.SampleInterval.TotalSeconds, window, points, histograms);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.SampleInterval, time);
        SampleNow();
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                SampleNow();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Traffic sample failed");
            }
        }
    }

    private static IEnumerable<(SeriesSnapshot Series, double Delta)> Deltas(Sample before, Sample after, string family)
    {
        if (!after.Families.TryGetValue(family, out var now))
        {
            yield break;
        }
        var then = before.Families.TryGetValue(family, out var earlier) ? earlier.Series.ToDictionary(Key) : [];
        foreach (var series in now.Series)
        {
            var delta = series.Value - (then.TryGetValue(Key(series), out var old) ? old.Value : 0);
            if (delta > 0)
            {
                yield return (series, delta);
            }
        }
    }

    private static IEnumerable<HistogramView> HistogramDeltas(Sample first, Sample last, string family, string metric)
    {
        if (!last.Families.TryGetValue(family, out var now))
        {
            yield break;
        }
        var then = first.Families.TryGetValue(family, out var earlier) ? earlier.Series.ToDictionary(Key) : [];
        foreach (var series in now.Series)
        {
            var old = then.GetValueOrDefault(Key(series));
            var count = series.Count - (old?.Count ?? 0);
            if (count <= 0)
            {
                continue;
            }
            var counts = series.Buckets.Select((c, i) => c - (old?.Buckets[i] ?? 0)).ToList();
            yield return new HistogramView(metric, series.Label("channel"), series.Label("provider"), [.. now.Bounds], counts, series.Sum - (old?.Sum ?? 0), count);
        }
    }

    private static string Key(SeriesSnapshot series) => string.Join('\u0001', series.Labels.Select(l => l.Key + "=" + l.Value));
}
