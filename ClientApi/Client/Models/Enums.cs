using System.Text.Json.Serialization;

namespace PaymentNotifications.Client.Models;

/// <summary>The channel a notification is delivered through.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Channel>))]
public enum Channel
{
    /// <summary>A signed HTTP POST to the merchant's webhook endpoint.</summary>
    [JsonStringEnumMemberName("webhook")] Webhook,

    /// <summary>A text message to an E.164 phone number.</summary>
    [JsonStringEnumMemberName("sms")] Sms,

    /// <summary>An e-mail message.</summary>
    [JsonStringEnumMemberName("email")] Email,

    /// <summary>A push message to a device token.</summary>
    [JsonStringEnumMemberName("push")] Push,
}

/// <summary>How urgent a notification is; critical ones bypass quiet hours and bypassable preferences.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Priority>))]
public enum Priority
{
    /// <summary>The default priority.</summary>
    [JsonStringEnumMemberName("normal")] Normal,

    /// <summary>OTP and security messages.</summary>
    [JsonStringEnumMemberName("critical")] Critical,
}

/// <summary>Where a notification is in its delivery; every state but <see cref="Pending"/> is final.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NotificationState>))]
public enum NotificationState
{
    /// <summary>Accepted and still being delivered or waiting for its next attempt.</summary>
    [JsonStringEnumMemberName("PENDING")] Pending,

    /// <summary>Delivered.</summary>
    [JsonStringEnumMemberName("SUCCESS")] Success,

    /// <summary>Every attempt failed; listed as a dead letter and can be retried.</summary>
    [JsonStringEnumMemberName("FAILED")] Failed,

    /// <summary>Nothing to deliver to: no enabled endpoint, or the user opted out.</summary>
    [JsonStringEnumMemberName("NOT_APPLY")] NotApply,

    /// <summary>Cancelled while pending.</summary>
    [JsonStringEnumMemberName("CANCELLED")] Cancelled,
}

/// <summary>The platform of a push device token.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PushPlatform>))]
public enum PushPlatform
{
    /// <summary>An FCM registration token.</summary>
    [JsonStringEnumMemberName("android")] Android,

    /// <summary>An APNs device token.</summary>
    [JsonStringEnumMemberName("ios")] Ios,
}

/// <summary>The state of a provider's circuit breaker.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CircuitState>))]
public enum CircuitState
{
    /// <summary>Calls flow to the provider.</summary>
    [JsonStringEnumMemberName("closed")] Closed,

    /// <summary>Calls are diverted to the fallback provider.</summary>
    [JsonStringEnumMemberName("open")] Open,

    /// <summary>A few trial calls test whether the provider recovered.</summary>
    [JsonStringEnumMemberName("half-open")] HalfOpen,
}

/// <summary>How an operator drives a provider's circuit breaker.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CircuitMode>))]
public enum CircuitMode
{
    /// <summary>The breaker opens and closes on observed failures.</summary>
    [JsonStringEnumMemberName("auto")] Auto,

    /// <summary>The provider is not called until the mode changes.</summary>
    [JsonStringEnumMemberName("forced-open")] ForcedOpen,

    /// <summary>The provider is called whatever its failures.</summary>
    [JsonStringEnumMemberName("forced-closed")] ForcedClosed,
}
