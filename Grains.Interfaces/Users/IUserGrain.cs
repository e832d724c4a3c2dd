using PaymentNotifications.Grains.Interfaces.Contracts;
using Orleans;

namespace PaymentNotifications.Grains.Interfaces.Users;

/// <summary>Quiet hours as the API takes them: "HH:mm" start and end in an IANA time zone.</summary>
[GenerateSerializer, Immutable, Alias("quiet-hours")]
public sealed record QuietHoursView(string? Start, string? End, string? TimeZone);

/// <summary>A user's preferences (PUT/GET /v1/users/{userId}/preferences).</summary>
[GenerateSerializer, Immutable, Alias("user-preferences")]
public sealed record UserPreferencesView
{
    /// <summary>Channel switches, e.g. { "sms": true, "push": false }.</summary>
    [Id(0)] public Dictionary<string, bool>? Channels { get; init; }

    /// <summary>Per type channel switches, e.g. { "marketing": { "sms": false } }.</summary>
    [Id(1)] public Dictionary<string, Dictionary<string, bool>>? Types { get; init; }

    [Id(2)] public QuietHoursView? QuietHours { get; init; }
}

/// <summary>What the user's grain says about sending a notification now.</summary>
[GenerateSerializer, Alias("admission-outcome")]
public enum AdmissionOutcome
{
    Deliver,
    NotApply,
    Defer,
}

[GenerateSerializer, Immutable, Alias("admission")]
public sealed record Admission(AdmissionOutcome Outcome, DateTimeOffset? DeferUntil = null, string? Reason = null);

/// <summary>One user of a tenant, keyed "{tenantId}/{userId}": preferences, quiet hours and rate limits.</summary>
[Alias("user")]
public interface IUserGrain : IGrainWithStringKey
{
    Task<UserPreferencesView> SetPreferences(UserPreferencesView preferences);

    Task<UserPreferencesView> GetPreferences();

    /// <summary>
    /// Decides whether the notification goes now; a send it admits counts against the user's rate
    /// limits once, however often the same notification asks again (retries).
    /// </summary>
    Task<Admission> Admit(string notificationId, string type, Channel channel, Priority priority);
}

public static class UserKey
{
    public static string For(string tenantId, string userId) => $"{tenantId}/{userId}";
}
