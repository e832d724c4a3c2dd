namespace PaymentNotifications.Silo.Operations;

/// <summary>How the dashboard's figures are gathered; bound from "Operations".</summary>
public sealed class OperationsOptions
{
    public const string SectionName = "Operations";

    /// <summary>How often this silo samples its traffic counters (one chart point). Default 2 s.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How much traffic history is kept and summarised. Default 5 min.</summary>
    public TimeSpan TrafficWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Queue and reminder backlog figures (database reads) are reused for this long. Default 2 s.</summary>
    public TimeSpan BacklogMaxAge { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A silo's published report older than this is not shown (the silo is taken as unreachable). Default 10 s.</summary>
    public TimeSpan ReportStaleAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Recent notifications read to measure acceptance-to-first-attempt latency. Default 200.</summary>
    public int LatencySampleSize { get; set; } = 200;

    /// <summary>Stopped or dead silos drop out of the cluster view after this long without a heartbeat. Default 10 min.</summary>
    public TimeSpan ForgetSilosAfter { get; set; } = TimeSpan.FromMinutes(10);

    internal void Validate()
    {
        if (SampleInterval < TimeSpan.FromMilliseconds(100))
        {
            throw new InvalidOperationException("Operations:SampleInterval must be at least 100 ms.");
        }
        if (TrafficWindow < SampleInterval * 2)
        {
            throw new InvalidOperationException("Operations:TrafficWindow must be at least twice Operations:SampleInterval.");
        }
        if (BacklogMaxAge < TimeSpan.Zero || ForgetSilosAfter <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Operations:BacklogMaxAge and ForgetSilosAfter must be positive.");
        }
        if (ReportStaleAfter <= SampleInterval)
        {
            throw new InvalidOperationException("Operations:ReportStaleAfter must be longer than Operations:SampleInterval.");
        }
        if (LatencySampleSize is < 1 or > 1000)
        {
            throw new InvalidOperationException("Operations:LatencySampleSize must be between 1 and 1000.");
        }
    }
}
