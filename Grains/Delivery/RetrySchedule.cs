namespace PaymentNotifications.Grains.Delivery;

/// <summary>How many delivery attempts a notification gets and how long to wait before each retry.</summary>
/// <remarks>
/// Attempt 1 runs at once. Attempt n (n &gt;= 2) waits <c>Delays[n - 2]</c>; when there are fewer
/// delays than retries the last delay repeats. The wait is spread by a random jitter of
/// ±<see cref="Jitter"/> (never negative) so that failures at the same moment do not retry in
/// lock step. A provider's Retry-After is honoured as a lower bound: the wait is
/// <c>max(jittered delay, min(retryAfter, RetryAfterCap))</c>, so a provider cannot park a
/// notification for longer than the cap, and the configured schedule is never shortened.
/// </remarks>
public sealed class RetrySchedule
{
    /// <summary>Attempts per notification when <c>Delivery:MaxAttempts</c> is not set.</summary>
    public const int DefaultMaxAttempts = 7;

    /// <summary>Relative jitter applied to each delay when none is configured (±20 %).</summary>
    public const double DefaultJitter = 0.2;

    /// <summary>Longest Retry-After honoured when none is configured.</summary>
    public static readonly TimeSpan DefaultRetryAfterCap = TimeSpan.FromHours(1);

    /// <summary>
    /// Delays between attempts when <c>Delivery:RetrySchedule</c> is not set: 5s, 30s, 2m, 10m, 30m, 1h
    /// (six retries after the first attempt, about 1 h 43 min in all before the seventh and last attempt).
    /// </summary>
    public static IReadOnlyList<TimeSpan> DefaultDelays { get; } =
    [
        TimeSpan.FromSeconds(5),
        TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(2),
        TimeSpan.FromMinutes(10),
        TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1),
    ];

    /// <summary>The schedule used when nothing is configured.</summary>
    public static RetrySchedule Default { get; } = new(DefaultMaxAttempts, DefaultDelays);

    /// <summary>Creates a schedule; <paramref name="delays"/> may be empty only when <paramref name="maxAttempts"/> is 1.</summary>
    public RetrySchedule(int maxAttempts, IReadOnlyList<TimeSpan> delays, double jitter = DefaultJitter, TimeSpan? retryAfterCap = null)
    {
        ArgumentNullException.ThrowIfNull(delays);
        if (maxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxAttempts), maxAttempts, "At least one attempt is required.");
        }

        if (maxAttempts > 1 && delays.Count == 0)
        {
            throw new ArgumentException("A schedule with retries needs at least one delay.", nameof(delays));
        }

        if (delays.Any(d => d < TimeSpan.Zero))
        {
            throw new ArgumentException("Delays are never negative.", nameof(delays));
        }

        if (double.IsNaN(jitter) || jitter < 0 || jitter > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "Jitter is a fraction between 0 and 1.");
        }

        var cap = retryAfterCap ?? DefaultRetryAfterCap;
        if (cap < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(retryAfterCap), cap, "The Retry-After cap is never negative.");
        }

        MaxAttempts = maxAttempts;
        Delays = delays.ToArray();
        Jitter = jitter;
        RetryAfterCap = cap;
    }

    /// <summary>How many attempts a notification gets in total, the first included.</summary>
    public int MaxAttempts { get; }

    /// <summary>Delays before the 2nd, 3rd, ... attempt; the last one repeats when attempts outnumber them.</summary>
    public IReadOnlyList<TimeSpan> Delays { get; }

    /// <summary>Relative jitter, 0..1: each delay is multiplied by a random factor in [1 - Jitter, 1 + Jitter).</summary>
    public double Jitter { get; }

    /// <summary>Longest Retry-After honoured; longer values are cut to this.</summary>
    public TimeSpan RetryAfterCap { get; }

    /// <summary>
    /// Builds a schedule from a comma-separated list of delays such as "30s,2m,10m,30m,2h,6h";
    /// a null or blank <paramref name="schedule"/> means <see cref="DefaultDelays"/>.
    /// </summary>
    /// <exception cref="FormatException">An entry is not a duration; the message names it.</exception>
    public static RetrySchedule Parse(string? schedule, int maxAttempts = DefaultMaxAttempts, double jitter = DefaultJitter, TimeSpan? retryAfterCap = null)
    {
        var delays = string.IsNullOrWhiteSpace(schedule) ? DefaultDelays : ParseDelays(schedule);
        return new RetrySchedule(maxAttempts, delays, jitter, retryAfterCap);
    }

    /// <summary>Parses a comma-separated list of delays; each entry is a <see cref="DurationText"/>.</summary>
    /// <exception cref="FormatException">The list is empty or an entry is not a duration; the message names the entry.</exception>
    public static IReadOnlyList<TimeSpan> ParseDelays(string schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var entries = schedule.Split(',');
        var delays = new TimeSpan[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(entries[i]))
            {
                throw new FormatException($"Retry schedule \"{schedule}\": entry {i + 1} is empty; write delays like \"30s,2m,10m\".");
            }

            if (!DurationText.TryParse(entries[i], out delays[i], out var error))
            {
                throw new FormatException($"Retry schedule \"{schedule}\": entry {i + 1}: {error}");
            }
        }

        return delays;
    }

    /// <summary>True when attempt number <paramref name="attemptNumber"/> (1-based) is within the budget.</summary>
    public bool HasAttempt(int attemptNumber) => attemptNumber >= 1 && attemptNumber <= MaxAttempts;

    /// <summary>The configured wait before attempt <paramref name="attemptNumber"/> (1-based), before jitter; zero for the first.</summary>
    public TimeSpan ScheduledDelay(int attemptNumber)
    {
        EnsureInBudget(attemptNumber);
        return attemptNumber == 1 ? TimeSpan.Zero : Delays[Math.Min(attemptNumber - 2, Delays.Count - 1)];
    }

    /// <summary>
    /// The wait before attempt <paramref name="attemptNumber"/> (1-based): the scheduled delay with jitter drawn from
    /// <paramref name="random"/> (<see cref="Random.Shared"/> when null), raised to the provider's
    /// <paramref name="retryAfter"/> (capped by <see cref="RetryAfterCap"/>) when that is longer.
    /// </summary>
    public TimeSpan DelayBeforeAttempt(int attemptNumber, Random? random = null, TimeSpan? retryAfter = null)
    {
        var scheduled = ScheduledDelay(attemptNumber);
        var jittered = scheduled;
        if (Jitter > 0 && scheduled > TimeSpan.Zero)
        {
            var draw = (random ?? Random.Shared).NextDouble();
            var factor = 1 + (Jitter * ((2 * draw) - 1));
            jittered = TimeSpan.FromTicks((long)(scheduled.Ticks * Math.Max(0, factor)));
        }

        if (retryAfter is { } requested && requested > TimeSpan.Zero)
        {
            var honoured = requested < RetryAfterCap ? requested : RetryAfterCap;
            return honoured > jittered ? honoured : jittered;
        }

        return jittered;
    }

    private void EnsureInBudget(int attemptNumber)
    {
        if (!HasAttempt(attemptNumber))
        {
            throw new ArgumentOutOfRangeException(nameof(attemptNumber), attemptNumber, $"Attempts are numbered 1 to {MaxAttempts}.");
        }
    }
}
