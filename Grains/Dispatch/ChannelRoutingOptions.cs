namespace Notifications.Orleans.Grains.Dispatch;

/// <summary>Which providers serve each channel, in order of preference; bound from "Channels".</summary>
public sealed class ChannelRoutingOptions
{
    /// <summary>SMS providers (<c>Channels:Sms</c>, default "twilio,vonage").</summary>
    public string Sms { get; set; } = "twilio,vonage";

    /// <summary>Email providers (<c>Channels:Email</c>, default "sendgrid,mailgun").</summary>
    public string Email { get; set; } = "sendgrid,mailgun";

    /// <summary>Push providers (<c>Channels:Push</c>, default "fcm,apns").</summary>
    public string Push { get; set; } = "fcm,apns";

    public static IReadOnlyList<string> Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
