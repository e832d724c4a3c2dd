using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace PaymentNotifications.Silo.Metrics;

/// <summary>
/// Collects the measurements of the selected meters with a MeterListener and keeps counters, gauges
/// and bucketed histograms for GET /metrics (hand-written: no Prometheus exporter package restores here).
/// Meters this host created through its IMeterFactory are taken, plus process-wide ones (Npgsql,
/// System.Runtime); meters of other hosts in the same process are not, so test hosts stay apart.
/// </summary>
public sealed class PrometheusExporter : IHostedService, IDisposable
{
    /// <summary>Seconds histograms without advice: 5 ms to a day, with 30 s for the "delivered within 30 s" figure.</summary>
    public static readonly IReadOnlyList<double> SecondsBounds =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];

    private static readonly IReadOnlyList<double> GenericBounds = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly ConcurrentDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();
    private readonly IMeterFactory _meterFactory;
    private readonly MetricsOptions _options;
    private readonly IReadOnlyList<string> _prefixes;
    private readonly Lock _collectGate = new();
    private int _started;

    public PrometheusExporter(IMeterFactory meterFactory, IOptions<MetricsOptions> options)
    {
        _meterFactory = meterFactory;
        _options = options.Value;
        _prefixes = _options.MeterPrefixes;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.SetMeasurementEventCallback<double>((i, m, t, s) => ((MetricFamily)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<float>((i, m, t, s) => ((MetricFamily)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<long>((i, m, t, s) => ((MetricFamily)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<int>((i, m, t, s) => ((MetricFamily)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<short>((i, m, t, s) => ((MetricFamily)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<byte>((i, m, t, s) => ((MetricFamily)s!).Record(m, t));
        _listener.SetMeasurementEventCallback<decimal>((i, m, t, s) => ((MetricFamily)s!).Record((double)m, t));
    }

    /// <summary>Starts listening (idempotent); instruments published before this are picked up too.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _listener.Start();
        }
    }

    /// <summary>Reads every metric, running observable instruments' callbacks first.</summary>
    public IReadOnlyList<FamilySnapshot> Collect()
    {
        lock (_collectGate)
        {
            foreach (var family in _families.Values)
            {
                family.ClearObserved();
            }
            _listener.RecordObservableInstruments();
            return [.. _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal).Select(Snapshot)];
        }
    }

    /// <summary>Reads the named metrics as they stand, without running observable callbacks; absent names are skipped.</summary>
    public IReadOnlyList<FamilySnapshot> Read(params string[] names) =>
        [.. names.Select(n => _families.GetValueOrDefault(n)).OfType<MetricFamily>().Select(Snapshot)];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();

    private static FamilySnapshot Snapshot(MetricFamily family) =>
        new(family.Name, family.Type, family.Help, family.Bounds, [.. family.Series.Select(s => s.Read())]);

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        var meter = instrument.Meter;
        if (meter.Scope is not null && !ReferenceEquals(meter.Scope, _meterFactory))
        {
            return;
        }
        if (!_prefixes.Any(p => meter.Name.StartsWith(p, StringComparison.Ordinal)))
        {
            return;
        }
        if (Describe(instrument) is not { } shape)
        {
            return;
        }
        var name = PrometheusNames.MetricName(instrument.Name, instrument.Unit, shape.Type);
        var family = _families.GetOrAdd(name, _ => new MetricFamily(name, shape.Type, shape.Aggregation, instrument.Description,
            shape.Type == MetricType.Histogram ? BoundsFor(instrument) : [], shape.Observable, _options.MaxSeriesPerMetric));
        if (family.Type == shape.Type && family.Aggregation == shape.Aggregation)
        {
            listener.EnableMeasurementEvents(instrument, family);
        }
    }

    private static (MetricType Type, MetricAggregation Aggregation, bool Observable)? Describe(Instrument instrument)
    {
        if (!instrument.GetType().IsGenericType)
        {
            return null;
        }
        var kind = instrument.GetType().GetGenericTypeDefinition();
        if (kind == typeof(Counter<>))
        {
            return (MetricType.Counter, MetricAggregation.Sum, false);
        }
        if (kind == typeof(UpDownCounter<>))
        {
            return (MetricType.Gauge, MetricAggregation.Sum, false);
        }
        if (kind == typeof(Histogram<>))
        {
            return (MetricType.Histogram, MetricAggregation.Histogram, false);
        }
        if (kind == typeof(Gauge<>))
        {
            return (MetricType.Gauge, MetricAggregation.LastValue, false);
        }
        if (kind == typeof(ObservableCounter<>))
        {
            return (MetricType.Counter, MetricAggregation.LastValue, true);
        }
        if (kind == typeof(ObservableUpDownCounter<>) || kind == typeof(ObservableGauge<>))
        {
            return (MetricType.Gauge, MetricAggregation.LastValue, true);
        }
        return null;
    }

    private static IReadOnlyList<double> BoundsFor(Instrument instrument)
    {
        var advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToList(),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
            _ => null,
        };
        if (advised is { Count: > 0 })
        {
            return [.. advised.Order()];
        }
        return instrument.Unit switch
        {
            "s" => SecondsBounds,
            "ms" => [.. SecondsBounds.Select(b => b * 1000)],
            _ => GenericBounds,
        };
    }
}
