using System.Numerics;

namespace PaymentNotifications.LoadTest.Measure;

/// <summary>
/// A log-linear histogram of latencies in microseconds: exact below 256 µs, then 128 buckets per power of two, so
/// every reported percentile is at most 1/128 (0.8 %) above the true value and never below it. Recording is
/// lock-free and safe from many threads.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 7;
    private const int SubBuckets = 1 << SubBits;
    private const int LinearLimit = SubBuckets << 1;

    /// <summary>Values above this (about 12.7 days) are counted as this.</summary>
    public const long MaxMicroseconds = 1L << 40;

    private readonly long[] _counts = new long[IndexOf(MaxMicroseconds) + 1];
    private long _count;
    private long _sum;
    private long _max;
    private long _min = long.MaxValue;

    public long Count => Interlocked.Read(ref _count);

    public long MaxMicros => Count == 0 ? 0 : Interlocked.Read(ref _max);

    public long MinMicros => Count == 0 ? 0 : Interlocked.Read(ref _min);

    public double MeanMicros => Count == 0 ? 0 : (double)Interlocked.Read(ref _sum) / Count;

    public void Record(TimeSpan latency) => RecordMicros(latency.Ticks / (TimeSpan.TicksPerMillisecond / 1000));

    public void RecordMicros(long micros)
    {
        micros = Math.Clamp(micros, 0, MaxMicroseconds);
        Interlocked.Increment(ref _counts[IndexOf(micros)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, micros);
        long seen;
        while (micros > (seen = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, micros, seen) != seen)
        {
        }
        while (micros < (seen = Interlocked.Read(ref _min)) && Interlocked.CompareExchange(ref _min, micros, seen) != seen)
        {
        }
    }

    /// <summary>Adds every value of <paramref name="other"/> to this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            if (Interlocked.Read(ref other._counts[i]) is var n and > 0)
            {
                Interlocked.Add(ref _counts[i], n);
            }
        }
        Interlocked.Add(ref _count, other.Count);
        Interlocked.Add(ref _sum, Interlocked.Read(ref other._sum));
        if (other.Count > 0)
        {
            long seen;
            var max = other.MaxMicros;
            while (max > (seen = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, max, seen) != seen)
            {
            }
            var min = other.MinMicros;
            while (min < (seen = Interlocked.Read(ref _min)) && Interlocked.CompareExchange(ref _min, min, seen) != seen)
            {
            }
        }
    }

    /// <summary>
    /// The nearest-rank percentile (<paramref name="quantile"/> in [0, 1]): the smallest recorded value with at least
    /// that share of values at or below it, reported as its bucket's upper bound (capped by the maximum). 0 when empty.
    /// </summary>
    public long PercentileMicros(double quantile)
    {
        if (quantile is < 0 or > 1 || double.IsNaN(quantile))
        {
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "A quantile is between 0 and 1.");
        }
        var count = Count;
        if (count == 0)
        {
            return 0;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * count - 1e-9));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(UpperBoundOf(i), MaxMicros);
            }
        }
        return MaxMicros;
    }

    public double PercentileMs(double quantile) => PercentileMicros(quantile) / 1000.0;

    /// <summary>The summary a report prints: p50, p90, p99, p99.9, max and mean in milliseconds.</summary>
    public LatencySummary Summarize() => new(
        Count,
        PercentileMs(0.50),
        PercentileMs(0.90),
        PercentileMs(0.99),
        PercentileMs(0.999),
        MaxMicros / 1000.0,
        Math.Round(MeanMicros / 1000.0, 3));

    internal static int IndexOf(long micros)
    {
        if (micros < LinearLimit)
        {
            return (int)micros;
        }
        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)micros);
        var shift = exponent - SubBits;
        return (shift * SubBuckets) + (int)(micros >> shift);
    }

    internal static long UpperBoundOf(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }
        var shift = (index / SubBuckets) - 1;
        var sub = (long)(index - (shift * SubBuckets));
        return ((sub + 1) << shift) - 1;
    }
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max, double Mean)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);
}
