using PaymentNotifications.Grains.Delivery;

namespace PaymentNotifications.Grains.Scheduling;

/// <summary>How notifications' attempts are scheduled; bound from "Scheduling". Durations take "1s", "2m" or "00:00:01".</summary>
public sealed class AttemptSchedulingOptions
{
    public const string SectionName = "Scheduling";

    /// <summary>Scheduler grains, each owning an equal range of the 1024 id buckets (<c>Scheduling:Shards</c>, default 8).</summary>
    public int Shards { get; set; } = 8;

    /// <summary>How often each scheduler reads the attempts coming due in its range (<c>Scheduling:PollInterval</c>, default 1s).</summary>
    public string PollInterval { get; set; } = "1s";

    /// <summary>How long before its time a waiting notification is woken, so its own timer fires on time (<c>Scheduling:WakeAhead</c>, default 2s).</summary>
    public string WakeAhead { get; set; } = "2s";

    /// <summary>
    /// A notification whose next attempt is at most this far off keeps its activation and a timer; one further off
    /// lets its activation go and holds no memory until it is woken (<c>Scheduling:ActiveHorizon</c>, default 1m).
    /// </summary>
    public string ActiveHorizon { get; set; } = "1m";

    /// <summary>Most notifications a scheduler wakes per poll (<c>Scheduling:BatchSize</c>, default 1000).</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>How often every silo pings the schedulers, which brings a failed-over one back (<c>Scheduling:KeepAliveInterval</c>, default 5s).</summary>
    public string KeepAliveInterval { get; set; } = "5s";

    /// <summary>The longest active horizon: idle notification activations are collected after two minutes.</summary>
    public static readonly TimeSpan MaxActiveHorizon = TimeSpan.FromSeconds(90);

    /// <summary>
    /// For this long after the cluster's membership changed, an attempt first writes its claim on the notification, so
    /// that of two activations Orleans may briefly run then only one sends (<c>Scheduling:ClaimWindow</c>, default 30s).
    /// </summary>
    public string ClaimWindow { get; set; } = "30s";

    public TimeSpan GetClaimWindow() => DurationText.Parse(ClaimWindow);

    public TimeSpan GetPollInterval() => DurationText.Parse(PollInterval);

    public TimeSpan GetWakeAhead() => DurationText.Parse(WakeAhead);

    public TimeSpan GetActiveHorizon() => DurationText.Parse(ActiveHorizon);

    public TimeSpan GetKeepAliveInterval() => DurationText.Parse(KeepAliveInterval);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Shards is < 1 or > Interfaces.Notifications.NotificationId.BucketCount)
        {
            errors.Add($"Scheduling:Shards must be between 1 and {Interfaces.Notifications.NotificationId.BucketCount}.");
        }
        if (BatchSize < 1)
        {
            errors.Add("Scheduling:BatchSize must be at least 1.");
        }
        foreach (var (name, text) in new[] { ("PollInterval", PollInterval), ("WakeAhead", WakeAhead), ("ActiveHorizon", ActiveHorizon), ("KeepAliveInterval", KeepAliveInterval), ("ClaimWindow", ClaimWindow) })
        {
            if (!DurationText.TryParse(text, out var value) || value <= TimeSpan.Zero)
            {
                errors.Add($"Scheduling:{name} must be a positive duration such as 1s or 2m.");
            }
        }
        if (errors.Count == 0 && GetActiveHorizon() <= GetWakeAhead() + GetPollInterval())
        {
            errors.Add("Scheduling:ActiveHorizon must be longer than Scheduling:WakeAhead plus Scheduling:PollInterval.");
        }
        if (errors.Count == 0 && GetActiveHorizon() > MaxActiveHorizon)
        {
            errors.Add($"Scheduling:ActiveHorizon must be at most {MaxActiveHorizon.TotalSeconds:0} s: an idle notification activation is collected after two minutes, timer or not.");
        }
        return errors;
    }

    /// <summary>The bucket range of scheduler <paramref name="shard"/>.</summary>
    public Interfaces.Notifications.BucketRange RangeOf(int shard)
    {
        var count = Interfaces.Notifications.NotificationId.BucketCount;
        return new(shard * count / Shards, (shard + 1) * count / Shards);
    }
}
