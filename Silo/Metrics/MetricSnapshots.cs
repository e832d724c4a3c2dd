using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace PaymentNotifications.Silo.Metrics;

/// <summary>A series as read at one moment. <see cref="Buckets"/> holds per-bucket counts, the last one for +Inf.</summary>
public sealed record SeriesSnapshot(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, long[] Buckets, double Sum, long Count)
{
    public string? Label(string name) => Labels.FirstOrDefault(l => l.Key == name).Value;
}

/// <summary>An instrument's series as read at one moment; <see cref="Bounds"/> are a histogram's upper bucket bounds before +Inf.</summary>
public sealed record FamilySnapshot(string Name, IReadOnlyList<double> Bounds, IReadOnlyList<SeriesSnapshot> Series);

/// <summary>
/// A metric reader of the OpenTelemetry pipeline that this process reads itself, on demand: each <see cref="Read"/>
/// collects the cumulative points of the product's instruments (<c>notifications.*</c>), for the dashboard's traffic
/// samples. The Prometheus exporter is another reader of the same pipeline.
/// </summary>
public sealed class MetricSnapshots() : BaseExportingMetricReader(new SnapshotExporter())
{
    private const string Prefix = "notifications.";

    private readonly Lock _gate = new();

    /// <summary>The product's instruments now, by instrument name (e.g. <c>notifications.accepted</c>).</summary>
    public IReadOnlyDictionary<string, FamilySnapshot> Read()
    {
        lock (_gate)
        {
            Collect();
            return ((SnapshotExporter)exporter).Latest;
        }
    }

    private sealed class SnapshotExporter : BaseExporter<Metric>
    {
        public IReadOnlyDictionary<string, FamilySnapshot> Latest { get; private set; } = new Dictionary<string, FamilySnapshot>();

        public override ExportResult Export(in Batch<Metric> batch)
        {
            var families = new Dictionary<string, FamilySnapshot>(StringComparer.Ordinal);
            foreach (var metric in batch)
            {
                if (metric.Name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    families[metric.Name] = Snapshot(metric);
                }
            }
            Latest = families;
            return ExportResult.Success;
        }

        private static FamilySnapshot Snapshot(Metric metric)
        {
            var series = new List<SeriesSnapshot>();
            IReadOnlyList<double> bounds = [];
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var labels = new List<KeyValuePair<string, string>>();
                foreach (var tag in point.Tags)
                {
                    labels.Add(new(tag.Key, tag.Value?.ToString() ?? ""));
                }
                if (metric.MetricType == MetricType.Histogram)
                {
                    var upper = new List<double>();
                    var counts = new List<long>();
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        upper.Add(bucket.ExplicitBound);
                        counts.Add(bucket.BucketCount);
                    }
                    bounds = upper[..^1];
                    series.Add(new SeriesSnapshot(labels, 0, [.. counts], point.GetHistogramSum(), point.GetHistogramCount()));
                    continue;
                }
                var value = metric.MetricType switch
                {
                    MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
                    MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => point.GetSumDouble(),
                    MetricType.LongGauge => point.GetGaugeLastValueLong(),
                    MetricType.DoubleGauge => point.GetGaugeLastValueDouble(),
                    _ => 0,
                };
                series.Add(new SeriesSnapshot(labels, value, [], 0, 0));
            }
            return new FamilySnapshot(metric.Name, bounds, series);
        }
    }
}
