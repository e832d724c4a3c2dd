namespace PaymentNotifications.Silo.Operations;

/// <summary>Percentiles from exact samples, or estimated from histogram buckets by linear interpolation within a bucket.</summary>
public static class Percentiles
{
    public static double? OfSamples(IReadOnlyList<double> sorted, double quantile)
    {
        if (sorted.Count == 0)
        {
            return null;
        }
        var rank = quantile * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    /// <param name="bounds">Upper bounds, ascending.</param>
    /// <param name="counts">Per-bucket counts; one more than bounds (the +Inf bucket).</param>
    public static double? OfHistogram(IReadOnlyList<double> bounds, IReadOnlyList<long> counts, double quantile)
    {
        var total = counts.Sum();
        if (total == 0)
        {
            return null;
        }
        var target = quantile * total;
        double seen = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }
            if (seen + counts[i] >= target)
            {
                if (i >= bounds.Count)
                {
                    // In the +Inf bucket the best estimate is the highest finite bound.
                    return bounds.Count == 0 ? null : bounds[^1];
                }
                var lower = i == 0 ? 0 : bounds[i - 1];
                return lower + (bounds[i] - lower) * ((target - seen) / counts[i]);
            }
            seen += counts[i];
        }
        return bounds.Count == 0 ? null : bounds[^1];
    }

    /// <summary>Share of observations at or under <paramref name="limit"/>, counting whole buckets whose bound is at or under it.</summary>
    public static double? ShareAtOrUnder(IReadOnlyList<double> bounds, IReadOnlyList<long> counts, double limit)
    {
        var total = counts.Sum();
        if (total == 0)
        {
            return null;
        }
        long under = 0;
        for (var i = 0; i < bounds.Count && bounds[i] <= limit; i++)
        {
            under += counts[i];
        }
        return (double)under / total;
    }
}
