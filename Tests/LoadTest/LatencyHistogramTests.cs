using PaymentNotifications.LoadTest.Measure;

namespace PaymentNotifications.Tests.LoadTest;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Small_values_are_exact_and_percentiles_use_the_nearest_rank()
    {
        var histogram = new LatencyHistogram();
        foreach (var micros in Enumerable.Range(1, 100))
        {
            histogram.RecordMicros(micros);
        }

        Assert.Equal(50, histogram.PercentileMicros(0.50));
        Assert.Equal(90, histogram.PercentileMicros(0.90));
        Assert.Equal(99, histogram.PercentileMicros(0.99));
        Assert.Equal(100, histogram.PercentileMicros(0.999));
        Assert.Equal(1, histogram.PercentileMicros(0));
        Assert.Equal(100, histogram.MaxMicros);
        Assert.Equal(1, histogram.MinMicros);
        Assert.Equal(50.5, histogram.MeanMicros);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Percentiles_are_within_one_percent_above_the_exact_value_and_never_below(int seed)
    {
        var random = new Random(seed);
        var histogram = new LatencyHistogram();
        // Log-normal-ish latencies from 50 us to a few seconds, as real runs have.
        var values = Enumerable.Range(0, 20_000).Select(_ => (long)Math.Exp(4 + random.NextDouble() * 11)).ToArray();
        foreach (var value in values)
        {
            histogram.RecordMicros(value);
        }
        Array.Sort(values);

        foreach (var quantile in new[] { 0.5, 0.9, 0.99, 0.999, 1.0 })
        {
            var exact = values[Math.Max(0, (int)Math.Ceiling(quantile * values.Length) - 1)];
            var reported = histogram.PercentileMicros(quantile);
            Assert.True(reported >= exact, $"p{quantile}: {reported} below the exact {exact}");
            Assert.True(reported <= exact * 1.01 + 1, $"p{quantile}: {reported} more than 1 % above the exact {exact}");
        }
        Assert.Equal(values[^1], histogram.MaxMicros);
    }

    [Fact]
    public void Bucket_bounds_tile_the_range_without_gaps()
    {
        long previousUpper = -1;
        for (var index = 0; index < LatencyHistogram.IndexOf(LatencyHistogram.MaxMicroseconds); index++)
        {
            var upper = LatencyHistogram.UpperBoundOf(index);
            Assert.Equal(index, LatencyHistogram.IndexOf(previousUpper + 1));
            Assert.Equal(index, LatencyHistogram.IndexOf(upper));
            previousUpper = upper;
        }
    }

    [Fact]
    public void Merged_histograms_answer_as_one()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var all = new LatencyHistogram();
        for (var i = 0; i < 1000; i++)
        {
            (i % 3 == 0 ? a : b).RecordMicros(i * 37);
            all.RecordMicros(i * 37);
        }

        a.Add(b);

        Assert.Equal(all.Count, a.Count);
        Assert.Equal(all.PercentileMicros(0.99), a.PercentileMicros(0.99));
        Assert.Equal(all.MaxMicros, a.MaxMicros);
        Assert.Equal(all.MinMicros, a.MinMicros);
    }

    [Fact]
    public void Recording_from_many_threads_loses_nothing()
    {
        var histogram = new LatencyHistogram();
        Parallel.For(0, 8, thread =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                histogram.Record(TimeSpan.FromMilliseconds(1 + (i % 50)));
            }
        });

        Assert.Equal(80_000, histogram.Count);
        Assert.Equal(50_000, histogram.MaxMicros);
    }

    [Fact]
    public void An_empty_histogram_reports_zeros()
    {
        var summary = new LatencyHistogram().Summarize();

        Assert.Equal(LatencySummary.Empty, summary);
    }
}
