using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Users;

/// <summary>What a user's preferences say about one notification.</summary>
public enum PreferenceOutcome
{
    /// <summary>Send it now.</summary>
    Deliver,

    /// <summary>Do not send it: the user opted out (the notification ends as NOT_APPLY).</summary>
    NotApply,

    /// <summary>Send it later, when quiet hours end.</summary>
    Defer,
}

/// <summary>The verdict of <see cref="UserPreferences.Evaluate"/>.</summary>
/// <param name="Outcome">Deliver, not apply, or defer.</param>
/// <param name="DeferUntil">For <see cref="PreferenceOutcome.Defer"/>, the UTC instant quiet hours end.</param>
/// <param name="Reason">Why it was not delivered now, for the notification record.</param>
public sealed record PreferenceDecision(PreferenceOutcome Outcome, DateTimeOffset? DeferUntil = null, string? Reason = null)
{
    /// <summary>Send now.</summary>
    public static PreferenceDecision Deliver { get; } = new(PreferenceOutcome.Deliver);

    /// <summary>Do not send, for <paramref name="reason"/>.</summary>
    public static PreferenceDecision NotApply(string reason) => new(PreferenceOutcome.NotApply, null, reason);

    /// <summary>Send at <paramref name="until"/>.</summary>
    public static PreferenceDecision Defer(DateTimeOffset until) => new(PreferenceOutcome.Defer, until, "Quiet hours");
}

/// <summary>A user's channel choices, per-type choices and quiet hours.</summary>
/// <remarks>
/// Rules, most specific first:
/// <list type="number">
/// <item>Webhooks go to merchants, not users: user preferences never apply to them.</item>
/// <item>A per-type setting for the exact type and channel (<c>types.marketing.sms</c>) wins over the channel
/// setting (<c>channels.sms</c>); a channel or type not mentioned is on.</item>
/// <item>Critical notifications (OTP, security alerts) bypass channel-level opt-outs, because a user who turned
/// SMS off still expects a login code there; an explicit opt-out of that exact type on that channel is the
/// user's deliberate choice about that very notification and still applies (it is not bypassable).</item>
/// <item>Quiet hours defer normal notifications on every user channel and never defer critical ones.</item>
/// <item>An opt-out wins over quiet hours: nothing is deferred that would not be sent.</item>
/// </list>
/// Rate limits are separate (<see cref="UserRateLimits"/>) and bind critical notifications too.
/// </remarks>
public sealed record UserPreferences
{
    private static readonly IReadOnlyDictionary<Channel, bool> NoChannels = new Dictionary<Channel, bool>();
    private static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<Channel, bool>> NoTypes =
        new Dictionary<string, IReadOnlyDictionary<Channel, bool>>();

    /// <summary>No opt-outs and no quiet hours.</summary>
    public static UserPreferences Default { get; } = new();

    /// <summary>Channel on/off switches; a missing channel is on.</summary>
    public IReadOnlyDictionary<Channel, bool> Channels { get; init; } = NoChannels;

    /// <summary>Per notification type, channel on/off switches that override <see cref="Channels"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<Channel, bool>> Types { get; init; } = NoTypes;

    /// <summary>When normal notifications wait; null for none.</summary>
    public QuietHours? QuietHours { get; init; }

    /// <summary>Decides whether a notification of <paramref name="type"/> on <paramref name="channel"/> is sent now, later, or not at all.</summary>
    public PreferenceDecision Evaluate(string type, Channel channel, Priority priority, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (channel == Channel.Webhook)
        {
            return PreferenceDecision.Deliver;
        }

        var channelName = ChannelName(channel);
        bool? typeSetting = Types.TryGetValue(type, out var perType) && perType.TryGetValue(channel, out var t) ? t : null;
        bool? channelSetting = Channels.TryGetValue(channel, out var c) ? c : null;

        if (typeSetting == false)
        {
            return PreferenceDecision.NotApply($"The user opted out of \"{type}\" on {channelName}.");
        }

        if (typeSetting is null && channelSetting == false && priority != Priority.Critical)
        {
            return PreferenceDecision.NotApply($"The user opted out of {channelName}.");
        }

        if (priority != Priority.Critical && QuietHours?.DeferUntil(now) is { } until)
        {
            return PreferenceDecision.Defer(until);
        }

        return PreferenceDecision.Deliver;
    }

    private static string ChannelName(Channel channel) => channel switch
    {
        Channel.Sms => "sms",
        Channel.Email => "email",
        Channel.Push => "push",
        _ => "webhook",
    };
}
