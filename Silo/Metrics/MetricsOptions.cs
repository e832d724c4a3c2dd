namespace PaymentNotifications.Silo.Metrics;

/// <summary>What GET /metrics exports; bound from "Metrics".</summary>
public sealed class MetricsOptions
{
    public const string SectionName = "Metrics";

    /// <summary>
    /// Comma-separated meter name prefixes to export. Default: the project's own meters, ASP.NET Core's
    /// request metrics, Orleans' own (activations, messaging, membership, reminders), Npgsql's storage metrics and the .NET runtime's process metrics.
    /// </summary>
    public string Meters { get; set; } = "PaymentNotifications,Microsoft.Orleans,Microsoft.AspNetCore.Hosting,Npgsql,System.Runtime";

    /// <summary>Most label combinations kept per metric; further ones are counted under otel_metric_overflow="true". Default 2000.</summary>
    public int MaxSeriesPerMetric { get; set; } = 2000;

    /// <summary>Whether GET /metrics is served. Default true.</summary>
    public bool Enabled { get; set; } = true;

    internal IReadOnlyList<string> MeterPrefixes =>
        Meters.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal void Validate()
    {
        if (MaxSeriesPerMetric < 1)
        {
            throw new InvalidOperationException("Metrics:MaxSeriesPerMetric must be at least 1.");
        }
        if (MeterPrefixes.Count == 0)
        {
            throw new InvalidOperationException("Metrics:Meters must name at least one meter prefix.");
        }
    }
}
