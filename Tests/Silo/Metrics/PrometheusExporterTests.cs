using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaymentNotifications.Silo.Metrics;
using PaymentNotifications.Silo.Operations;

namespace PaymentNotifications.Tests.Silo.Metrics;

/// <summary>The exporter alone: which meters it takes, how it names and aggregates, what it writes.</summary>
public sealed class PrometheusExporterTests
{
    private static (ServiceProvider Services, PrometheusExporter Exporter) NewExporter(MetricsOptions? options = null)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var exporter = new PrometheusExporter(services.GetRequiredService<IMeterFactory>(), Options.Create(options ?? new MetricsOptions()));
        exporter.Start();
        return (services, exporter);
    }

    [Fact]
    public void Only_this_hosts_meters_with_a_listed_prefix_are_exported()
    {
        var (services, exporter) = NewExporter();
        using var _ = services;
        using var __ = exporter;
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();

        services.GetRequiredService<IMeterFactory>().Create("PaymentNotifications.Test").CreateCounter<long>("test.mine").Add(2);
        other.GetRequiredService<IMeterFactory>().Create("PaymentNotifications.Test").CreateCounter<long>("test.theirs").Add(3);
        services.GetRequiredService<IMeterFactory>().Create("Somebody.Else").CreateCounter<long>("test.unlisted").Add(4);

        var text = PrometheusText.Write(exporter.Collect());
        Assert.Contains("test_mine_total 2\n", text);
        Assert.DoesNotContain("test_theirs", text);
        Assert.DoesNotContain("test_unlisted", text);
    }

    [Fact]
    public void Names_take_unit_suffixes_and_counters_end_in_total()
    {
        Assert.Equal("notifications_attempt_duration_seconds", PrometheusNames.MetricName("notifications.attempt.duration", "s", MetricType.Histogram));
        Assert.Equal("notifications_accepted_total", PrometheusNames.MetricName("notifications.accepted", null, MetricType.Counter));
        Assert.Equal("process_memory_bytes", PrometheusNames.MetricName("process.memory", "By", MetricType.Gauge));
        Assert.Equal("http_requests_total", PrometheusNames.MetricName("http.requests", "{request}", MetricType.Counter));
        Assert.Equal("http_route", PrometheusNames.LabelName("http.route"));
    }

    [Fact]
    public void Histograms_bucket_each_value_and_labels_are_escaped()
    {
        var (services, exporter) = NewExporter();
        using var _ = services;
        using var __ = exporter;
        var histogram = services.GetRequiredService<IMeterFactory>().Create("PaymentNotifications.Test").CreateHistogram<double>("test.wait", unit: "s");

        histogram.Record(0.003, new KeyValuePair<string, object?>("route", "a\"b\\c"));
        histogram.Record(12, new KeyValuePair<string, object?>("route", "a\"b\\c"));
        histogram.Record(100000, new KeyValuePair<string, object?>("route", "a\"b\\c"));

        var scrape = PrometheusScrape.Parse(PrometheusText.Write(exporter.Collect()));
        var buckets = scrape.Buckets("test_wait_seconds", ("route", "a\"b\\c"));
        Assert.Equal(1, buckets.First(b => b.Le == 0.005).Count);
        Assert.Equal(1, buckets.First(b => b.Le == 10).Count);
        Assert.Equal(2, buckets.First(b => b.Le == 30).Count);
        Assert.Equal(2, buckets.First(b => b.Le == 86400).Count);
        Assert.Equal(3, buckets[^1].Count);
        Assert.Equal(100012.003, scrape.Sum("test_wait_seconds_sum"), 6);
    }

    [Fact]
    public void Observable_series_not_reported_again_disappear_and_label_sets_are_capped()
    {
        var (services, exporter) = NewExporter(new MetricsOptions { MaxSeriesPerMetric = 3 });
        using var _ = services;
        using var __ = exporter;
        var meter = services.GetRequiredService<IMeterFactory>().Create("PaymentNotifications.Test");
        var types = new List<string> { "a", "b" };
        meter.CreateObservableGauge("test.active", () => types.Select(t => new Measurement<long>(1, new KeyValuePair<string, object?>("type", t))));
        var counter = meter.CreateCounter<long>("test.ids");

        Assert.Equal(2, PrometheusScrape.Parse(PrometheusText.Write(exporter.Collect())).Sum("test_active"));
        types.Remove("a");
        Assert.Equal(1, PrometheusScrape.Parse(PrometheusText.Write(exporter.Collect())).Sum("test_active"));

        for (var i = 0; i < 10; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("id", i));
        }
        var scrape = PrometheusScrape.Parse(PrometheusText.Write(exporter.Collect()));
        Assert.Equal(10, scrape.Sum("test_ids_total"));
        Assert.Equal(7, scrape.Sum("test_ids_total", ("otel_metric_overflow", "true")));
    }

    [Fact]
    public void Percentiles_interpolate_within_buckets()
    {
        double[] bounds = [1, 2, 4];
        long[] counts = [10, 10, 0, 0];
        Assert.Equal(1, Percentiles.OfHistogram(bounds, counts, 0.5));
        Assert.Equal(1.5, Percentiles.OfHistogram(bounds, counts, 0.75));
        Assert.Equal(0.5, Percentiles.ShareAtOrUnder(bounds, counts, 1));
        Assert.Null(Percentiles.OfHistogram(bounds, [0, 0, 0, 0], 0.5));
        Assert.Equal(4, Percentiles.OfHistogram(bounds, [0, 0, 0, 5], 0.5));
        Assert.Equal(2.5, Percentiles.OfSamples([1, 2, 3, 4], 0.5));
    }
}
