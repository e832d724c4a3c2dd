using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Dispatch;

/// <summary>Which providers serve each channel, in order of preference; bound from "Channels".</summary>
public sealed class ChannelRoutingOptions
{
    /// <summary>SMS providers (<c>Channels:Sms</c>, default "twilio,vonage").</summary>
    public string Sms { get; set; } = "twilio,vonage";

    /// <summary>Email providers (<c>Channels:Email</c>, default "sendgrid,mailgun").</summary>
    public string Email { get; set; } = "sendgrid,mailgun";

    /// <summary>Push providers (<c>Channels:Push</c>, default "fcm,apns").</summary>
    public string Push { get; set; } = "fcm,apns";

    /// <summary>
    /// Per notification type, the channel to try when the notification's own channel has failed permanently for
    /// the recipient (<c>Channels:Fallback:{type}</c>, e.g. <c>Channels:Fallback:security.alert=sms</c>): a push
    /// whose device token is gone goes out as an SMS when the recipient also has a phone. None by default.
    /// </summary>
    public Dictionary<string, string> Fallback { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Problems with the configuration, empty when valid.</summary>
    public IReadOnlyList<string> Validate() =>
        Fallback.Where(f => !WireNames.TryParseChannel(f.Value, out _))
            .Select(f => $"Channels:Fallback:{f.Key} is '{f.Value}'; it must be one of webhook, sms, email, push.")
            .ToList();

    /// <summary>The fallback channel configured for a notification type, if any.</summary>
    public Channel? FallbackFor(string type) =>
        Fallback.TryGetValue(type, out var name) && WireNames.TryParseChannel(name, out var channel) ? channel : null;

    public static IReadOnlyList<string> Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
