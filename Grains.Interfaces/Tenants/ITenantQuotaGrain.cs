using System.Text.Json.Serialization;
using Orleans;

namespace PaymentNotifications.Grains.Interfaces.Tenants;

/// <summary>What a tenant stores that counts against its quotas.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StoredKind>))]
[GenerateSerializer, Alias("stored-kind")]
public enum StoredKind
{
    [JsonStringEnumMemberName("templates")] Templates,
    [JsonStringEnumMemberName("webhookEndpoints")] WebhookEndpoints,
    [JsonStringEnumMemberName("users")] Users,
}

/// <summary>How much of one quota a tenant uses.</summary>
[GenerateSerializer, Immutable, Alias("quota-usage")]
public sealed record QuotaUsage(StoredKind Kind, int Used, int Limit);

/// <summary>A store refused because the tenant is at a quota: its configuration key and limit.</summary>
[GenerateSerializer, Alias("quota-exceeded")]
public sealed class QuotaExceededException : Exception
{
    public QuotaExceededException()
    {
    }

    public QuotaExceededException(string quota, int limit)
    {
        Quota = quota;
        Limit = limit;
    }

    /// <summary>The configuration key of the quota, e.g. <c>Quotas:Templates</c>.</summary>
    [Id(0)] public string Quota { get; init; } = "";

    [Id(1)] public int Limit { get; init; }

    public override string Message => $"The tenant is at its limit of {Limit} ({Quota}).";
}

/// <summary>
/// One tenant's count of what it stores (templates, webhook endpoints, users with preferences), keyed by tenant id.
/// The grain that stores an item takes a place here before its first write and gives it back after its delete.
/// </summary>
[Alias("tenant-quota")]
public interface ITenantQuotaGrain : IGrainWithStringKey
{
    /// <summary>Counts one more stored item of <paramref name="kind"/>; throws <see cref="QuotaExceededException"/> at the limit.</summary>
    Task Take(StoredKind kind);

    /// <summary>Counts one stored item of <paramref name="kind"/> fewer.</summary>
    Task Release(StoredKind kind);

    Task<IReadOnlyList<QuotaUsage>> Get();
}

/// <summary>Keys of grains a tenant owns, "{tenantId}/{name}" (templates, endpoints, users).</summary>
public static class TenantScopedKey
{
    public static string TenantOf(string key) => key[..key.IndexOf('/', StringComparison.Ordinal)];

    /// <summary>The name within the tenant: what follows the first '/'.</summary>
    public static string NameOf(string key) => key[(key.IndexOf('/', StringComparison.Ordinal) + 1)..];
}
