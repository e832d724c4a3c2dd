using System.Collections.Concurrent;
using System.Globalization;

namespace PaymentNotifications.Silo.Metrics;

/// <summary>How measurements of an instrument combine into a series' value.</summary>
public enum MetricAggregation
{
    /// <summary>Measurements are increments (Counter, UpDownCounter).</summary>
    Sum,

    /// <summary>Each measurement replaces the value (gauges and observable instruments, which report totals).</summary>
    LastValue,

    /// <summary>Measurements fall into buckets (Histogram).</summary>
    Histogram,
}

/// <summary>One exported metric: every label combination (series) of one or more instruments with the same Prometheus name.</summary>
public sealed class MetricFamily
{
    private const string OverflowKey = "\u0000overflow";
    private readonly ConcurrentDictionary<string, MetricSeries> _series = new(StringComparer.Ordinal);
    private readonly int _maxSeries;

    public MetricFamily(string name, MetricType type, MetricAggregation aggregation, string? help, IReadOnlyList<double> bounds, bool observable, int maxSeries)
    {
        Name = name;
        Type = type;
        Aggregation = aggregation;
        Help = help;
        Bounds = bounds;
        Observable = observable;
        _maxSeries = maxSeries;
    }

    public string Name { get; }
    public MetricType Type { get; }
    public MetricAggregation Aggregation { get; }
    public string? Help { get; }

    /// <summary>Upper bounds of the histogram buckets, ascending (the +Inf bucket is implied).</summary>
    public IReadOnlyList<double> Bounds { get; }

    /// <summary>Values come from callbacks at collection time; series not reported again are dropped.</summary>
    public bool Observable { get; }

    public IEnumerable<MetricSeries> Series => _series.Values;

    /// <summary>Records one measurement under its tags.</summary>
    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value))
        {
            return;
        }
        var labels = Labels(tags);
        var key = Key(labels);
        if (!_series.TryGetValue(key, out var series))
        {
            if (_series.Count >= _maxSeries)
            {
                // Protects memory against an unbounded tag (e.g. an id used as a tag by mistake).
                key = OverflowKey;
                labels = [new("otel_metric_overflow", "true")];
            }
            series = _series.GetOrAdd(key, _ => new MetricSeries(labels, Aggregation == MetricAggregation.Histogram ? Bounds.Count + 1 : 0));
        }
        switch (Aggregation)
        {
            case MetricAggregation.Sum:
                series.Add(value);
                break;
            case MetricAggregation.LastValue:
                series.Set(value);
                break;
            default:
                series.Observe(value, BucketOf(value));
                break;
        }
    }

    /// <summary>Forgets observed series before callbacks report afresh.</summary>
    internal void ClearObserved()
    {
        if (Observable)
        {
            _series.Clear();
        }
    }

    private int BucketOf(double value)
    {
        for (var i = 0; i < Bounds.Count; i++)
        {
            if (value <= Bounds[i])
            {
                return i;
            }
        }
        return Bounds.Count;
    }

    private static KeyValuePair<string, string>[] Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var tag in tags)
        {
            if (HiddenTags.Contains(tag.Key) || tag.Value is null)
            {
                continue;
            }
            labels.Add(new(PrometheusNames.LabelName(tag.Key), LabelValue(tag.Value)));
        }
        labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return [.. labels];
    }

    // Npgsql names its pool after the connection string: host, user and database are not for a metrics page.
    private static readonly HashSet<string> HiddenTags = new(StringComparer.Ordinal) { "db.client.connection.pool.name", "db.client.connections.pool.name" };

    private static string LabelValue(object value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Key(KeyValuePair<string, string>[] labels) =>
        labels.Length == 0 ? "" : string.Join('\u0001', labels.Select(l => l.Key + "\u0002" + l.Value));
}

/// <summary>One label combination of a metric: a value, or histogram buckets with sum and count.</summary>
public sealed class MetricSeries(IReadOnlyList<KeyValuePair<string, string>> labels, int buckets)
{
    private readonly Lock _gate = new();
    private readonly long[] _buckets = new long[buckets];
    private double _value;
    private double _sum;
    private long _count;

    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; } = labels;

    internal void Add(double delta)
    {
        lock (_gate)
        {
            _value += delta;
        }
    }

    internal void Set(double value)
    {
        lock (_gate)
        {
            _value = value;
        }
    }

    internal void Observe(double value, int bucket)
    {
        lock (_gate)
        {
            _buckets[bucket]++;
            _sum += value;
            _count++;
        }
    }

    /// <summary>A consistent copy: the value, or per-bucket (not cumulative) counts with sum and count.</summary>
    public SeriesSnapshot Read()
    {
        lock (_gate)
        {
            return new SeriesSnapshot(Labels, _value, (long[])_buckets.Clone(), _sum, _count);
        }
    }
}

/// <summary>A series as read at one moment. <see cref="Buckets"/> holds per-bucket counts, the last one for +Inf.</summary>
public sealed record SeriesSnapshot(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, long[] Buckets, double Sum, long Count)
{
    public string? Label(string name)
    {
        foreach (var label in Labels)
        {
            if (label.Key == name)
            {
                return label.Value;
            }
        }
        return null;
    }
}

/// <summary>A metric as read at one moment.</summary>
public sealed record FamilySnapshot(string Name, MetricType Type, string? Help, IReadOnlyList<double> Bounds, IReadOnlyList<SeriesSnapshot> Series);
