using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Delivery;

/// <summary>Delivery tunables, bound from the <c>Delivery</c> configuration section.</summary>
public sealed class DeliveryOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Delivery";

    /// <summary>Attempts per notification, the first included (<c>Delivery:MaxAttempts</c>, default 7).</summary>
    public int MaxAttempts { get; set; } = Delivery.RetrySchedule.DefaultMaxAttempts;

    /// <summary>Comma-separated delays between attempts (<c>Delivery:RetrySchedule</c>); null means 5s,30s,2m,10m,30m,1h.</summary>
    public string? RetrySchedule { get; set; }

    /// <summary>Relative jitter on each delay, 0..1 (<c>Delivery:RetryJitter</c>, default 0.2).</summary>
    public double RetryJitter { get; set; } = Delivery.RetrySchedule.DefaultJitter;

    /// <summary>Longest provider Retry-After honoured (<c>Delivery:RetryAfterCap</c>, default "1h").</summary>
    public string RetryAfterCap { get; set; } = "1h";

    /// <summary>Time allowed for one attempt (<c>Delivery:AttemptTimeout</c>, default "15s").</summary>
    public string AttemptTimeout { get; set; } = "15s";

    /// <summary>Per-channel overrides keyed by channel name, e.g. <c>Delivery:Channels:sms:RetrySchedule</c>.</summary>
    public Dictionary<string, RetryOverride> Channels { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Per-type overrides keyed by notification type, e.g. <c>Delivery:Types:otp:MaxAttempts</c>; a type wins over its channel.</summary>
    public Dictionary<string, RetryOverride> Types { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The attempt timeout as a duration.</summary>
    /// <exception cref="FormatException">The configured value is not a duration.</exception>
    public TimeSpan GetAttemptTimeout() => DurationText.Parse(AttemptTimeout);

    /// <summary>Every problem with these options, each naming its configuration key; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxAttempts < 1)
        {
            errors.Add($"{SectionName}:MaxAttempts must be at least 1 (was {MaxAttempts}).");
        }

        if (double.IsNaN(RetryJitter) || RetryJitter < 0 || RetryJitter > 1)
        {
            errors.Add($"{SectionName}:RetryJitter must be between 0 and 1 (was {RetryJitter}).");
        }

        if (!DurationText.TryParse(RetryAfterCap, out _, out var capError))
        {
            errors.Add($"{SectionName}:RetryAfterCap: {capError}");
        }

        if (!DurationText.TryParse(AttemptTimeout, out var timeout, out var timeoutError))
        {
            errors.Add($"{SectionName}:AttemptTimeout: {timeoutError}");
        }
        else if (timeout <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:AttemptTimeout must be longer than zero.");
        }

        CheckSchedule(errors, $"{SectionName}:RetrySchedule", RetrySchedule);
        foreach (var (name, value) in Channels)
        {
            if (!Enum.TryParse<Channel>(name, ignoreCase: true, out _) || int.TryParse(name, out _))
            {
                errors.Add($"{SectionName}:Channels:{name}: unknown channel (use webhook, sms, email or push).");
            }

            CheckOverride(errors, $"{SectionName}:Channels:{name}", value);
        }

        foreach (var (name, value) in Types)
        {
            CheckOverride(errors, $"{SectionName}:Types:{name}", value);
        }

        return errors;
    }

    /// <summary>Builds the schedules these options describe.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message lists every problem.</exception>
    public RetryScheduleSet BuildRetrySchedules()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid delivery options: " + string.Join(" ", errors));
        }

        var cap = DurationText.Parse(RetryAfterCap);
        var global = Delivery.RetrySchedule.Parse(RetrySchedule, MaxAttempts, RetryJitter, cap);
        Delivery.RetrySchedule Apply(RetryOverride o) => new(
            o.MaxAttempts ?? global.MaxAttempts,
            string.IsNullOrWhiteSpace(o.RetrySchedule) ? global.Delays : Delivery.RetrySchedule.ParseDelays(o.RetrySchedule),
            global.Jitter,
            global.RetryAfterCap);

        var channels = Channels.ToDictionary(c => Enum.Parse<Channel>(c.Key, ignoreCase: true), c => Apply(c.Value));
        var types = Types.ToDictionary(t => t.Key, t => Apply(t.Value), StringComparer.Ordinal);
        return new RetryScheduleSet(global, channels, types);
    }

    private static void CheckOverride(List<string> errors, string path, RetryOverride? value)
    {
        if (value is null)
        {
            return;
        }

        if (value.MaxAttempts is < 1)
        {
            errors.Add($"{path}:MaxAttempts must be at least 1 (was {value.MaxAttempts}).");
        }

        CheckSchedule(errors, $"{path}:RetrySchedule", value.RetrySchedule);
    }

    private static void CheckSchedule(List<string> errors, string path, string? schedule)
    {
        if (string.IsNullOrWhiteSpace(schedule))
        {
            return;
        }

        try
        {
            Delivery.RetrySchedule.ParseDelays(schedule);
        }
        catch (FormatException e)
        {
            errors.Add($"{path}: {e.Message}");
        }
    }
}

/// <summary>A retry budget or schedule that replaces the global one for a channel or a notification type.</summary>
public sealed class RetryOverride
{
    /// <summary>Attempts in total; null keeps the global value.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>Comma-separated delays; null keeps the global schedule.</summary>
    public string? RetrySchedule { get; set; }
}

/// <summary>The retry schedule for each channel and notification type: a type override wins over a channel override, which wins over the global one.</summary>
public sealed class RetryScheduleSet
{
    private readonly IReadOnlyDictionary<Channel, RetrySchedule> _channels;
    private readonly IReadOnlyDictionary<string, RetrySchedule> _types;

    /// <summary>Creates a set from the global schedule and the overrides.</summary>
    public RetryScheduleSet(
        RetrySchedule global,
        IReadOnlyDictionary<Channel, RetrySchedule>? channels = null,
        IReadOnlyDictionary<string, RetrySchedule>? types = null)
    {
        Global = global ?? throw new ArgumentNullException(nameof(global));
        _channels = channels ?? new Dictionary<Channel, RetrySchedule>();
        _types = types ?? new Dictionary<string, RetrySchedule>(StringComparer.Ordinal);
    }

    /// <summary>The schedule of every channel and type without an override.</summary>
    public RetrySchedule Global { get; }

    /// <summary>The schedule for a notification of <paramref name="type"/> sent through <paramref name="channel"/>.</summary>
    public RetrySchedule For(Channel channel, string type) =>
        _types.TryGetValue(type, out var byType) ? byType
        : _channels.TryGetValue(channel, out var byChannel) ? byChannel
        : Global;
}
