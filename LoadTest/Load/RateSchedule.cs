namespace PaymentNotifications.LoadTest.Load;

/// <summary>
/// Open-loop pacing: request i (0-based) is due at i / rate seconds after the start, whatever the answers do, so a
/// slow server meets the same arrivals as a fast one. Latency is measured from the due time, which keeps a
/// stalled sender from hiding the stall (coordinated omission).
/// </summary>
public sealed class RateSchedule
{
    /// <param name="perSecond">Requests per second; above zero.</param>
    /// <param name="limit">Requests in total, or null for no limit (the run's duration stops it).</param>
    public RateSchedule(double perSecond, long? limit = null)
    {
        if (perSecond <= 0 || double.IsNaN(perSecond) || double.IsInfinity(perSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(perSecond), perSecond, "The rate must be above zero.");
        }
        if (limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The count must not be negative.");
        }
        PerSecond = perSecond;
        Limit = limit;
    }

    public double PerSecond { get; }

    public long? Limit { get; }

    /// <summary>When request <paramref name="index"/> is due, from the start.</summary>
    public TimeSpan DueAt(long index) => TimeSpan.FromTicks((long)Math.Round(index * TimeSpan.TicksPerSecond / PerSecond));

    /// <summary>How many requests are due by <paramref name="elapsed"/> (the one due exactly then included), capped by the limit.</summary>
    public long DueBy(TimeSpan elapsed)
    {
        if (elapsed < TimeSpan.Zero)
        {
            return 0;
        }
        var due = (long)Math.Floor(elapsed.Ticks * PerSecond / TimeSpan.TicksPerSecond + 1e-9) + 1;
        return Limit is { } limit ? Math.Min(due, limit) : due;
    }

    /// <summary>How many requests fall within a run of <paramref name="duration"/> (those due before its end).</summary>
    public long CountWithin(TimeSpan duration)
    {
        var due = (long)Math.Ceiling(duration.Ticks * PerSecond / TimeSpan.TicksPerSecond - 1e-9);
        due = Math.Max(due, 0);
        return Limit is { } limit ? Math.Min(due, limit) : due;
    }
}
