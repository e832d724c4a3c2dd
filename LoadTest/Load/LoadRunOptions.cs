namespace PaymentNotifications.LoadTest.Load;

/// <summary>How requests are paced.</summary>
public enum LoadMode
{
    /// <summary>Requests leave at a target rate whatever the answers do (latency counted from each due time).</summary>
    Open,

    /// <summary>A fixed number of workers, each sending its next request when the previous one is answered.</summary>
    Closed,
}

/// <summary>Settings of one load run.</summary>
public sealed record LoadRunOptions
{
    public LoadMode Mode { get; init; } = LoadMode.Open;

    /// <summary>Open loop: requests per second. Default 500.</summary>
    public double Rate { get; init; } = 500;

    /// <summary>Closed loop: workers. Open loop: most requests in flight; sends past it wait and count as late. Default 256.</summary>
    public int Concurrency { get; init; } = 256;

    /// <summary>How long to send; null when <see cref="Count"/> bounds the run. Default 30 s when neither is given.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>How many requests to send; null when <see cref="Duration"/> bounds the run.</summary>
    public long? Count { get; init; }

    /// <summary>After sending, how long to wait at most for deliveries to arrive. Default 30 s.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The drain also ends when no delivery arrived for this long. Default 5 s.</summary>
    public TimeSpan DrainStall { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Accepted notifications read back afterwards to measure time to SUCCESS. Default 200; 0 skips it.</summary>
    public int SuccessSample { get; init; } = 200;

    /// <summary>How often the progress line is printed. Default 1 s.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A name for the run in reports, e.g. "hold 1 silo".</summary>
    public string Label { get; init; } = "run";

    public TimeSpan EffectiveDuration => Duration ?? (Count is null ? TimeSpan.FromSeconds(30) : TimeSpan.MaxValue);

    /// <summary>Problems with these settings; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Mode == LoadMode.Open && (Rate <= 0 || double.IsNaN(Rate) || double.IsInfinity(Rate))) problems.Add("--rate must be above 0");
        if (Concurrency < 1) problems.Add("--concurrency must be at least 1");
        if (Duration is { } d && d <= TimeSpan.Zero) problems.Add("--duration must be above 0");
        if (Count is < 1) problems.Add("--count must be at least 1");
        if (Drain < TimeSpan.Zero) problems.Add("--drain must not be negative");
        if (SuccessSample < 0) problems.Add("--success-sample must not be negative");
        return problems;
    }
}
