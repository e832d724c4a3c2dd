using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Tenants;
using PaymentNotifications.Grains.Interfaces.Users;
using Orleans;
using Orleans.Runtime;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Grains.Tenants;

namespace PaymentNotifications.Grains.Users;

/// <summary>What happens to a normal send over a user's rate limit; bound from "RateLimits".</summary>
public sealed class OverLimitOptions
{
    /// <summary>"defer" (default: wait for the next free slot) or "drop" (NOT_APPLY, with the reason recorded).</summary>
    public string OverLimit { get; set; } = "defer";

    public bool Drops => string.Equals(OverLimit, "drop", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The durable state of a user: preferences as given, sends per rate-limit counter, and admitted notifications.</summary>
public sealed class UserState
{
    public int SchemaVersion { get; set; } = 1;
    public UserPreferencesView Preferences { get; set; } = new();
    public Dictionary<string, List<DateTimeOffset>> Sends { get; set; } = [];

    /// <summary>Notifications already admitted (and counted), so their retries are not counted again.</summary>
    public Dictionary<string, DateTimeOffset> Admitted { get; set; } = [];

    /// <summary>This user's stored preferences hold a place in the tenant's <c>Quotas:Users</c> and its list of users.</summary>
    public bool CountedInQuota { get; set; }
}

/// <summary>One user: preferences and opt-outs, quiet hours in their time zone, and rate limits.</summary>
[GrainType("user")]
public sealed class UserGrain(
    [PersistentState("user", StorageNames.Grains)] IPersistentState<UserState> user,
    RateLimitPolicy limits,
    IOptions<OverLimitOptions> overLimit,
    IStoredItemIndex index,
    TimeProvider time) : Grain, IUserGrain
{
    private UserState State => user.State;

    // Admissions are remembered long enough to cover any retry schedule's span.
    private static readonly TimeSpan AdmissionMemory = TimeSpan.FromDays(2);

    public async Task<UserPreferencesView> SetPreferences(UserPreferencesView preferences)
    {
        var (previous, counted) = (State.Preferences, State.CountedInQuota);
        var place = new StoredItemPlace(GrainFactory, index, StoredKind.Users, this.GetPrimaryKeyString());
        await place.WriteAsync(!counted, () =>
        {
            State.Preferences = preferences;
            State.CountedInQuota = true;
            return user.WriteStateAsync();
        }, () => (State.Preferences, State.CountedInQuota) = (previous, counted));
        return State.Preferences;
    }

    public Task<UserPreferencesView> GetPreferences() => Task.FromResult(State.Preferences);

    public async Task<Admission> Admit(string notificationId, string type, Channel channel, Priority priority)
    {
        var now = time.GetUtcNow();
        var decision = ToDomain(State.Preferences).Evaluate(type, channel, priority, now);
        if (decision.Outcome == PreferenceOutcome.NotApply)
        {
            return new Admission(AdmissionOutcome.NotApply, Reason: decision.Reason);
        }
        if (decision.Outcome == PreferenceOutcome.Defer)
        {
            return new Admission(AdmissionOutcome.Defer, decision.DeferUntil, $"Quiet hours: deferred until {decision.DeferUntil:O}.");
        }
        if (State.Admitted.ContainsKey(notificationId))
        {
            return new Admission(AdmissionOutcome.Deliver);
        }

        var windows = new UserRateLimits(State.Sends.ToDictionary(s => s.Key, s => new SlidingWindowLimit(s.Value)));
        var reservation = windows.TryReserve(limits, channel, type, now);
        if (!reservation.Allowed)
        {
            var limitedBy = string.Join(", ", reservation.LimitedBy);
            return overLimit.Value.Drops
                ? new Admission(AdmissionOutcome.NotApply, Reason: $"Rate limited ({limitedBy}); dropped as configured.")
                : new Admission(AdmissionOutcome.Defer, reservation.RetryAt, $"Rate limited ({limitedBy}); deferred until {reservation.RetryAt:O}.");
        }
        State.Sends = reservation.State.Prune(limits, now).Windows.ToDictionary(w => w.Key, w => w.Value.Sent.ToList());
        State.Admitted[notificationId] = now;
        foreach (var old in State.Admitted.Where(a => a.Value < now - AdmissionMemory).Select(a => a.Key).ToList())
        {
            State.Admitted.Remove(old);
        }
        await user.WriteStateAsync();
        return new Admission(AdmissionOutcome.Deliver);
    }

    /// <summary>The domain preferences of the view; the API validated the names and quiet hours before they were stored.</summary>
    internal static UserPreferences ToDomain(UserPreferencesView view) => new()
    {
        Channels = (view.Channels ?? []).Where(c => WireNames.TryParseChannel(c.Key, out _))
            .ToDictionary(c => Parse(c.Key), c => c.Value),
        Types = (view.Types ?? []).ToDictionary(
            t => t.Key,
            t => (IReadOnlyDictionary<Channel, bool>)t.Value.Where(c => WireNames.TryParseChannel(c.Key, out _)).ToDictionary(c => Parse(c.Key), c => c.Value),
            StringComparer.Ordinal),
        QuietHours = view.QuietHours is { } q && QuietHours.TryCreate(q.Start, q.End, q.TimeZone, out var hours, out _) ? hours : null,
    };

    private static Channel Parse(string name)
    {
        WireNames.TryParseChannel(name, out var channel);
        return channel;
    }
}
