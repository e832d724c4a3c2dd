using System.Text.Json.Serialization;
using Orleans;

namespace PaymentNotifications.Grains.Interfaces.Contracts;

/// <summary>The channel a notification is delivered through.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Channel>))]
[GenerateSerializer, Alias("channel")]
public enum Channel
{
    [JsonStringEnumMemberName("webhook")] Webhook,
    [JsonStringEnumMemberName("sms")] Sms,
    [JsonStringEnumMemberName("email")] Email,
    [JsonStringEnumMemberName("push")] Push,
}

/// <summary>How urgent a notification is; critical ones bypass quiet hours and bypassable preferences.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Priority>))]
[GenerateSerializer, Alias("priority")]
public enum Priority
{
    [JsonStringEnumMemberName("normal")] Normal,
    [JsonStringEnumMemberName("critical")] Critical,
}

/// <summary>The delivery state machine of a notification.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NotificationState>))]
[GenerateSerializer, Alias("notification-state")]
public enum NotificationState
{
    [JsonStringEnumMemberName("PENDING")] Pending,
    [JsonStringEnumMemberName("SUCCESS")] Success,
    [JsonStringEnumMemberName("FAILED")] Failed,
    [JsonStringEnumMemberName("NOT_APPLY")] NotApply,
    [JsonStringEnumMemberName("CANCELLED")] Cancelled,
}

/// <summary>The platform of a push device token.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PushPlatform>))]
[GenerateSerializer, Alias("push-platform")]
public enum PushPlatform
{
    [JsonStringEnumMemberName("android")] Android,
    [JsonStringEnumMemberName("ios")] Ios,
}
