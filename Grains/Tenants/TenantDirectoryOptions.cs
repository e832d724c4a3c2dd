using PaymentNotifications.Grains.Delivery;

namespace PaymentNotifications.Grains.Tenants;

/// <summary>How the tenant directory answers key lookups; bound from "Tenants".</summary>
public sealed class TenantDirectoryOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Tenants";

    /// <summary>
    /// How long a successful key lookup is remembered in process (<c>Tenants:KeyCacheTtl</c>, a duration such as
    /// "5s"; default 5 s, "0s" disables). A revoke on this process clears it at once; other processes may accept a
    /// revoked key for at most this long.
    /// </summary>
    public string KeyCacheTtl { get; set; } = "5s";

    /// <summary>The TTL as a time span; zero when it is not a valid duration.</summary>
    public TimeSpan KeyCacheTtlValue => DurationText.TryParse(KeyCacheTtl, out var ttl) && ttl > TimeSpan.Zero ? ttl : TimeSpan.Zero;
}
