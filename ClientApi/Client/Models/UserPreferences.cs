using System.Text.Json.Serialization;

namespace PaymentNotifications.Client.Models;

/// <summary>A user's choices of channels per event type and quiet hours.</summary>
public sealed record UserPreferences
{
    /// <summary>Channels on or off for every type; unset channels keep the API's default.</summary>
    public ChannelPreferences? Channels { get; init; }

    /// <summary>Per event type overrides, e.g. <c>marketing</c> off by sms.</summary>
    public IReadOnlyDictionary<string, ChannelPreferences>? Types { get; init; }

    /// <summary>When normal-priority messages wait, in the user's time zone.</summary>
    public QuietHours? QuietHours { get; init; }
}

/// <summary>Which user channels are on; null leaves a channel unset.</summary>
public sealed record ChannelPreferences
{
    /// <summary>Text messages.</summary>
    public bool? Sms { get; init; }

    /// <summary>E-mail.</summary>
    public bool? Email { get; init; }

    /// <summary>Push.</summary>
    public bool? Push { get; init; }
}

/// <summary>A daily window, possibly across midnight, in which normal-priority messages wait.</summary>
/// <param name="Start">Start of the window, wall-clock time (sent as <c>HH:mm</c>).</param>
/// <param name="End">End of the window, wall-clock time (sent as <c>HH:mm</c>).</param>
/// <param name="TimeZone">The IANA time zone, e.g. <c>Africa/Lagos</c>.</param>
public sealed record QuietHours(
    [property: JsonConverter(typeof(Http.ClockTimeConverter))] TimeOnly Start,
    [property: JsonConverter(typeof(Http.ClockTimeConverter))] TimeOnly End,
    string TimeZone);
