using PaymentNotifications.Grains.Delivery;

namespace PaymentNotifications.Grains.Providers;

/// <summary>The providers' circuit breakers; bound from "Breakers". Durations take "10s", "500ms" or "00:00:10".</summary>
public sealed class BreakerOptions
{
    /// <summary>Share of failed calls in the sampling window that opens the circuit (<c>Breakers:FailureRatio</c>, default 0.5).</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Fewest calls in the window before the ratio counts (<c>Breakers:MinimumThroughput</c>, default 10).</summary>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>How far back outcomes count (<c>Breakers:SamplingWindow</c>, default 10s).</summary>
    public string SamplingWindow { get; set; } = "10s";

    /// <summary>How long an opened circuit stays open before probing (<c>Breakers:BreakDuration</c>, default 5s).</summary>
    public string BreakDuration { get; set; } = "5s";

    /// <summary>How often each silo reports outcomes and refreshes its view (<c>Breakers:ReportInterval</c>, default 500ms).</summary>
    public string ReportInterval { get; set; } = "500ms";

    /// <summary>While half-open, each silo lets one probe through per this interval (<c>Breakers:ProbeInterval</c>, default 1s).</summary>
    public string ProbeInterval { get; set; } = "1s";

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (FailureRatio is <= 0 or > 1)
        {
            errors.Add("Breakers:FailureRatio must be above 0 and at most 1.");
        }
        if (MinimumThroughput < 1)
        {
            errors.Add("Breakers:MinimumThroughput must be at least 1.");
        }
        foreach (var (name, value) in new[] { ("SamplingWindow", SamplingWindow), ("BreakDuration", BreakDuration), ("ReportInterval", ReportInterval), ("ProbeInterval", ProbeInterval) })
        {
            if (!DurationText.TryParse(value, out var duration) || duration <= TimeSpan.Zero)
            {
                errors.Add($"Breakers:{name} must be a positive duration such as 5s.");
            }
        }
        return errors;
    }
}
