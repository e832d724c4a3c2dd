namespace PaymentNotifications.Grains.Interfaces.Tenants;

public sealed record TenantInfo(string Id, string Name, DateTimeOffset CreatedAt);

/// <summary>An API key as listed: only its prefix is ever shown again after creation.</summary>
public sealed record ApiKeyInfo(string Id, string TenantId, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A tenant name that is already taken.</summary>
public sealed class TenantNameTakenException(string name) : Exception($"A tenant named '{name}' already exists.");

/// <summary>Tenants and their API keys; keys are stored as hashes and shown once.</summary>
public interface ITenantDirectory
{
    Task<(TenantInfo Tenant, string ApiKey)> CreateTenantAsync(string name, CancellationToken cancellationToken);

    /// <summary>Creates the tenant with a known key if it does not exist (the dev tenant).</summary>
    Task EnsureTenantAsync(string id, string name, string apiKey, CancellationToken cancellationToken);

    /// <summary>The tenant an API key belongs to, or null when the key is unknown or revoked.</summary>
    Task<TenantInfo?> AuthenticateAsync(string apiKey, CancellationToken cancellationToken);

    Task<TenantInfo?> GetTenantAsync(string tenantId, CancellationToken cancellationToken);

    Task<IReadOnlyList<TenantInfo>> ListTenantsAsync(CancellationToken cancellationToken);

    Task<(ApiKeyInfo Key, string ApiKey)> CreateKeyAsync(string tenantId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Revokes a key of the tenant; false when there is no such key.</summary>
    Task<bool> RevokeKeyAsync(string tenantId, string keyId, CancellationToken cancellationToken);
}
