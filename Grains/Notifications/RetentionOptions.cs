using PaymentNotifications.Grains.Delivery;

namespace PaymentNotifications.Grains.Notifications;

/// <summary>
/// How long a finished notification keeps its content (the request's <c>data</c> and <c>content</c>); bound from
/// "Retention". State, attempts, recipient and times stay. Durations take "24h", "30d" or "1.00:00:00".
/// </summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>A critical notification's content (OTPs, security alerts) is removed this long after it finished (<c>Retention:Critical</c>, default 24h).</summary>
    public string Critical { get; set; } = "24h";

    /// <summary>Every notification's content is removed this long after it finished (<c>Retention:Payload</c>, default 30d).</summary>
    public string Payload { get; set; } = "30d";

    /// <summary>How often the cluster looks for content past its time (<c>Retention:SweepInterval</c>, default 10m).</summary>
    public string SweepInterval { get; set; } = "10m";

    /// <summary>Most notifications cleared per sweep; the next sweep takes the rest (<c>Retention:BatchSize</c>, default 10000).</summary>
    public int BatchSize { get; set; } = 10_000;

    public TimeSpan GetCritical() => DurationText.Parse(Critical);

    public TimeSpan GetPayload() => DurationText.Parse(Payload);

    public TimeSpan GetSweepInterval() => DurationText.Parse(SweepInterval);

    /// <summary>When a finished notification's content is due for removal.</summary>
    public DateTimeOffset RemovalDue(bool critical, DateTimeOffset completedAt) =>
        completedAt + (critical && GetCritical() < GetPayload() ? GetCritical() : GetPayload());

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var (name, text) in new[] { ("Critical", Critical), ("Payload", Payload) })
        {
            if (!DurationText.TryParse(text, out _, out var error))
            {
                errors.Add($"Retention:{name}: {error}");
            }
        }
        if (!DurationText.TryParse(SweepInterval, out var sweep) || sweep < TimeSpan.FromMinutes(1))
        {
            errors.Add("Retention:SweepInterval must be a duration of at least 1m (an Orleans reminder ticks at most once a minute), such as 10m.");
        }
        if (BatchSize < 1)
        {
            errors.Add("Retention:BatchSize must be at least 1.");
        }
        return errors;
    }
}
