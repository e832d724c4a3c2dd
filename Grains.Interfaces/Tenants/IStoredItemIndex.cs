namespace PaymentNotifications.Grains.Interfaces.Tenants;

/// <summary>A page of stored item names in ordinal order; <see cref="HasMore"/> when more names follow the last one.</summary>
public sealed record StoredItemPage(IReadOnlyList<string> Names, bool HasMore);

/// <summary>
/// The names of what each tenant stores (templates, merchants with a webhook endpoint, users with preferences), so that
/// they can be listed: grain state cannot be enumerated. The storing grains keep it where they take and give back a place
/// in the tenant's quota; the HTTP API reads it directly.
/// </summary>
public interface IStoredItemIndex
{
    /// <summary>Records that the tenant stores <paramref name="name"/>; recording it again changes nothing.</summary>
    Task AddAsync(string tenantId, StoredKind kind, string name, CancellationToken cancellationToken);

    /// <summary>Forgets <paramref name="name"/>; forgetting a name not recorded changes nothing.</summary>
    Task RemoveAsync(string tenantId, StoredKind kind, string name, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> of the tenant's names of <paramref name="kind"/> after <paramref name="after"/> (from the first when null), in ordinal order.</summary>
    Task<StoredItemPage> ListAsync(string tenantId, StoredKind kind, string? after, int limit, CancellationToken cancellationToken);
}
