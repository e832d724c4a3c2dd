using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Users;

/// <summary>At most <see cref="Limit"/> sends in any <see cref="Window"/>, e.g. "3/1h".</summary>
public sealed record RateLimitRule
{
    /// <summary>Creates a rule; the limit is at least 1 and the window longer than zero.</summary>
    public RateLimitRule(int limit, TimeSpan window)
    {
        if (limit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "A rate limit allows at least one send.");
        }

        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "A rate limit window is longer than zero.");
        }

        Limit = limit;
        Window = window;
    }

    /// <summary>Sends allowed per window.</summary>
    public int Limit { get; }

    /// <summary>The sliding window's length.</summary>
    public TimeSpan Window { get; }

    /// <summary>Parses "count/duration", e.g. "3/1h" or "10/1d".</summary>
    /// <exception cref="FormatException">The text is not a rule; the message says why.</exception>
    public static RateLimitRule Parse(string? text) =>
        TryParse(text, out var rule, out var error) ? rule : throw new FormatException(error);

    /// <summary>Parses "count/duration"; false with a readable <paramref name="error"/> when invalid.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out RateLimitRule? rule, [NotNullWhen(false)] out string? error)
    {
        rule = null;
        var parts = text?.Split('/', StringSplitOptions.TrimEntries);
        if (parts is not { Length: 2 })
        {
            error = $"\"{text}\" is not a rate limit: write sends per window, e.g. \"3/1h\".";
            return false;
        }

        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1)
        {
            error = $"\"{text}\" is not a rate limit: the count must be a whole number of at least 1.";
            return false;
        }

        if (!DurationText.TryParse(parts[1], out var window, out var durationError))
        {
            error = $"\"{text}\" is not a rate limit: {durationError}";
            return false;
        }

        if (window <= TimeSpan.Zero)
        {
            error = $"\"{text}\" is not a rate limit: the window must be longer than zero.";
            return false;
        }

        rule = new RateLimitRule(limit, window);
        error = null;
        return true;
    }

    /// <summary>The "count/duration" form.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Limit}/{DurationText.Format(Window)}");
}

/// <summary>The result of <see cref="SlidingWindowLimit.TryReserve"/>.</summary>
/// <param name="Allowed">True when the send fits and was recorded in <paramref name="State"/>.</param>
/// <param name="NextSlotAt">When denied, the instant the next slot frees.</param>
/// <param name="State">The window to keep: pruned, and with this send when allowed.</param>
public sealed record SlidingWindowReservation(bool Allowed, DateTimeOffset? NextSlotAt, SlidingWindowLimit State);

/// <summary>The send times of one counter (e.g. one user's SMS), checked against a <see cref="RateLimitRule"/>. Immutable and serializable.</summary>
public sealed record SlidingWindowLimit
{
    /// <summary>A window with no sends.</summary>
    public static SlidingWindowLimit Empty { get; } = new([]);

    /// <summary>Creates a window from send times in any order.</summary>
    [JsonConstructor]
    public SlidingWindowLimit(IReadOnlyList<DateTimeOffset> sent)
    {
        ArgumentNullException.ThrowIfNull(sent);
        Sent = sent.Order().ToArray();
    }

    /// <summary>Send times, oldest first.</summary>
    public IReadOnlyList<DateTimeOffset> Sent { get; }

    /// <summary>This window without the sends older than <paramref name="window"/> before <paramref name="now"/>.</summary>
    public SlidingWindowLimit Prune(TimeSpan window, DateTimeOffset now)
    {
        var keepFrom = 0;
        while (keepFrom < Sent.Count && Sent[keepFrom] + window <= now)
        {
            keepFrom++;
        }

        return keepFrom == 0 ? this : new SlidingWindowLimit(Sent.Skip(keepFrom).ToArray());
    }

    /// <summary>Checks a send at <paramref name="now"/> without recording it.</summary>
    public SlidingWindowReservation Check(RateLimitRule rule, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var pruned = Prune(rule.Window, now);
        if (pruned.Sent.Count < rule.Limit)
        {
            return new SlidingWindowReservation(true, null, pruned);
        }

        // Enough of the oldest sends must leave the window to bring the count below the limit.
        var nextSlot = pruned.Sent[pruned.Sent.Count - rule.Limit] + rule.Window;
        return new SlidingWindowReservation(false, nextSlot, pruned);
    }

    /// <summary>Records a send at <paramref name="now"/> if it fits the rule; otherwise says when the next slot frees.</summary>
    public SlidingWindowReservation TryReserve(RateLimitRule rule, DateTimeOffset now)
    {
        var check = Check(rule, now);
        return check.Allowed ? check with { State = check.State.Add(now) } : check;
    }

    /// <summary>This window with a send at <paramref name="instant"/>.</summary>
    public SlidingWindowLimit Add(DateTimeOffset instant) => new([.. Sent, instant]);

    /// <inheritdoc />
    public bool Equals(SlidingWindowLimit? other) => other is not null && Sent.SequenceEqual(other.Sent);

    /// <inheritdoc />
    public override int GetHashCode() => Sent.Count;
}

/// <summary>Rate limits per channel and per type, bound from the <c>RateLimits</c> configuration section.</summary>
public sealed class RateLimitOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "RateLimits";

    /// <summary>
    /// Per channel, "count/duration" per user (<c>RateLimits:Channels:sms</c>); default sms "3/1h", other channels
    /// unlimited. An empty value or "off" removes a limit.
    /// </summary>
    public Dictionary<string, string> Channels { get; set; } = new(StringComparer.OrdinalIgnoreCase) { ["sms"] = "3/1h" };

    /// <summary>Per notification type and channel, an extra limit counted for that type alone (<c>RateLimits:Types:marketing:email</c>).</summary>
    public Dictionary<string, Dictionary<string, string>> Types { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Every problem, each naming its configuration key; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var (channel, value) in Channels)
        {
            CheckEntry(errors, $"{SectionName}:Channels:{channel}", channel, value);
        }

        foreach (var (type, perChannel) in Types)
        {
            foreach (var (channel, value) in perChannel ?? [])
            {
                CheckEntry(errors, $"{SectionName}:Types:{type}:{channel}", channel, value);
            }
        }

        return errors;
    }

    /// <summary>Builds the policy these options describe.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message lists every problem.</exception>
    public RateLimitPolicy BuildPolicy()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid rate limit options: " + string.Join(" ", errors));
        }

        var channels = new Dictionary<Channel, RateLimitRule>();
        foreach (var (channel, value) in Channels)
        {
            if (!IsOff(value))
            {
                channels[ParseChannel(channel)!.Value] = RateLimitRule.Parse(value);
            }
        }

        var types = new Dictionary<(string, Channel), RateLimitRule>();
        foreach (var (type, perChannel) in Types)
        {
            foreach (var (channel, value) in perChannel ?? [])
            {
                if (!IsOff(value))
                {
                    types[(type, ParseChannel(channel)!.Value)] = RateLimitRule.Parse(value);
                }
            }
        }

        return new RateLimitPolicy(channels, types);
    }

    private static void CheckEntry(List<string> errors, string path, string channel, string? value)
    {
        if (ParseChannel(channel) is null)
        {
            errors.Add($"{path}: unknown channel (use webhook, sms, email or push).");
        }

        if (!IsOff(value) && !RateLimitRule.TryParse(value, out _, out var error))
        {
            errors.Add($"{path}: {error}");
        }
    }

    private static bool IsOff(string? value) => string.IsNullOrWhiteSpace(value) || value.Trim().Equals("off", StringComparison.OrdinalIgnoreCase);

    private static Channel? ParseChannel(string name) =>
        !int.TryParse(name, out _) && Enum.TryParse<Channel>(name, ignoreCase: true, out var channel) ? channel : null;
}

/// <summary>A counter a send is checked against: its key in <see cref="UserRateLimits"/> and its rule.</summary>
/// <param name="Key">"sms" for a channel limit, "sms/marketing" for a type limit.</param>
/// <param name="Rule">The limit.</param>
public sealed record RateLimitScope(string Key, RateLimitRule Rule);

/// <summary>Which limits apply to a send: the channel's, and the type's on that channel when configured.</summary>
public sealed class RateLimitPolicy
{
    private readonly Dictionary<string, RateLimitRule> _rules = new(StringComparer.Ordinal);

    /// <summary>Creates a policy from channel limits and per-type limits.</summary>
    public RateLimitPolicy(
        IReadOnlyDictionary<Channel, RateLimitRule> channels,
        IReadOnlyDictionary<(string Type, Channel Channel), RateLimitRule>? types = null)
    {
        ArgumentNullException.ThrowIfNull(channels);
        foreach (var (channel, rule) in channels)
        {
            _rules[ChannelKey(channel)] = rule;
        }

        foreach (var ((type, channel), rule) in types ?? new Dictionary<(string, Channel), RateLimitRule>())
        {
            _rules[TypeKey(channel, type)] = rule;
        }
    }

    /// <summary>The default policy: 3 SMS per hour per user, nothing else limited.</summary>
    public static RateLimitPolicy Default { get; } = new RateLimitOptions().BuildPolicy();

    /// <summary>The limits a send of <paramref name="type"/> on <paramref name="channel"/> must fit.</summary>
    public IReadOnlyList<RateLimitScope> ScopesFor(Channel channel, string type)
    {
        var scopes = new List<RateLimitScope>(2);
        foreach (var key in (string[])[ChannelKey(channel), TypeKey(channel, type)])
        {
            if (_rules.TryGetValue(key, out var rule))
            {
                scopes.Add(new RateLimitScope(key, rule));
            }
        }

        return scopes;
    }

    /// <summary>The rule of a counter key, or null when the policy no longer has it.</summary>
    public RateLimitRule? RuleFor(string key) => _rules.GetValueOrDefault(key);

    private static string TypeKey(Channel channel, string type) => $"{ChannelKey(channel)}/{type}";

    private static string ChannelKey(Channel channel) => channel switch
    {
        Channel.Sms => "sms",
        Channel.Email => "email",
        Channel.Push => "push",
        _ => "webhook",
    };
}

/// <summary>The result of <see cref="UserRateLimits.TryReserve"/>.</summary>
/// <param name="Allowed">True when every applicable limit had room; the send is then recorded in <paramref name="State"/>.</param>
/// <param name="RetryAt">When denied, the earliest instant every applicable limit has room again.</param>
/// <param name="LimitedBy">When denied, the limits that were full, e.g. "sms 3/1h".</param>
/// <param name="State">The state to keep: pruned, and with this send when allowed.</param>
public sealed record UserRateLimitReservation(bool Allowed, DateTimeOffset? RetryAt, IReadOnlyList<string> LimitedBy, UserRateLimits State);

/// <summary>One user's send history per rate-limit counter; pure and serializable so it can live in grain state.</summary>
/// <remarks>Critical notifications are counted and limited like any other: these limits exist against abuse.</remarks>
public sealed record UserRateLimits
{
    /// <summary>No sends recorded.</summary>
    public static UserRateLimits Empty { get; } = new(new Dictionary<string, SlidingWindowLimit>());

    /// <summary>Creates the state from counters keyed as <see cref="RateLimitScope.Key"/>.</summary>
    [JsonConstructor]
    public UserRateLimits(IReadOnlyDictionary<string, SlidingWindowLimit> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        Windows = new Dictionary<string, SlidingWindowLimit>(windows, StringComparer.Ordinal);
    }

    /// <summary>Send history per counter key.</summary>
    public IReadOnlyDictionary<string, SlidingWindowLimit> Windows { get; }

    /// <summary>
    /// Records a send at <paramref name="now"/> when it fits every limit <paramref name="policy"/> applies to
    /// <paramref name="type"/> on <paramref name="channel"/>; a denied send is recorded nowhere.
    /// </summary>
    public UserRateLimitReservation TryReserve(RateLimitPolicy policy, Channel channel, string type, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(type);
        var pruned = Prune(policy, now);
        var windows = new Dictionary<string, SlidingWindowLimit>(pruned.Windows, StringComparer.Ordinal);
        var limitedBy = new List<string>();
        DateTimeOffset? retryAt = null;
        var scopes = policy.ScopesFor(channel, type);
        foreach (var scope in scopes)
        {
            var check = windows.GetValueOrDefault(scope.Key, SlidingWindowLimit.Empty).Check(scope.Rule, now);
            if (!check.Allowed)
            {
                limitedBy.Add($"{scope.Key} {scope.Rule}");
                retryAt = retryAt is null || check.NextSlotAt > retryAt ? check.NextSlotAt : retryAt;
            }
        }

        if (limitedBy.Count > 0)
        {
            return new UserRateLimitReservation(false, retryAt, limitedBy, pruned);
        }

        foreach (var scope in scopes)
        {
            windows[scope.Key] = windows.GetValueOrDefault(scope.Key, SlidingWindowLimit.Empty).Add(now);
        }

        return new UserRateLimitReservation(true, null, [], new UserRateLimits(windows));
    }

    /// <summary>This state without sends that left their windows, and without counters the policy no longer has.</summary>
    public UserRateLimits Prune(RateLimitPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var windows = new Dictionary<string, SlidingWindowLimit>(StringComparer.Ordinal);
        foreach (var (key, window) in Windows)
        {
            if (policy.RuleFor(key) is { } rule && window.Prune(rule.Window, now) is { Sent.Count: > 0 } kept)
            {
                windows[key] = kept;
            }
        }

        return new UserRateLimits(windows);
    }

    /// <inheritdoc />
    public bool Equals(UserRateLimits? other) =>
        other is not null
        && Windows.Count == other.Windows.Count
        && Windows.All(w => other.Windows.TryGetValue(w.Key, out var o) && o.Equals(w.Value));

    /// <inheritdoc />
    public override int GetHashCode() => Windows.Count;
}
