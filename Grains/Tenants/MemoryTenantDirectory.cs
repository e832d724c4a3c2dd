using System.Security.Cryptography;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Grains.Tenants;

/// <summary>Tenants and keys in process memory (dev mode).</summary>
public sealed class MemoryTenantDirectory(TimeProvider time) : ITenantDirectory
{
    private sealed record StoredKey(ApiKeyInfo Info, byte[] Hash);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, TenantInfo> _tenants = new(StringComparer.Ordinal);
    private readonly List<StoredKey> _keys = [];
    private readonly Dictionary<string, StoredKey> _byHash = new(StringComparer.Ordinal);

    public Task<(TenantInfo Tenant, string ApiKey)> CreateTenantAsync(string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_tenants.Values.Any(t => t.Name == name))
            {
                throw new TenantNameTakenException(name);
            }
            var tenant = new TenantInfo(ApiKeys.NewId("ten"), name, time.GetUtcNow());
            _tenants.Add(tenant.Id, tenant);
            return Task.FromResult((tenant, AddKey(tenant.Id, ApiKeys.Generate()).ApiKey));
        }
    }

    public Task EnsureTenantAsync(string id, string name, string apiKey, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_tenants.TryAdd(id, new TenantInfo(id, name, time.GetUtcNow())))
            {
                AddKey(id, apiKey);
            }
        }
        return Task.CompletedTask;
    }

    public Task<TenantInfo?> AuthenticateAsync(string apiKey, CancellationToken cancellationToken)
    {
        var hash = ApiKeys.Hash(apiKey);
        lock (_lock)
        {
            // Found by its hash (which reveals nothing of the key), then compared in constant time all the same.
            var found = _byHash.TryGetValue(Convert.ToHexStringLower(hash), out var key)
                && key.Info.RevokedAt is null && CryptographicOperations.FixedTimeEquals(key.Hash, hash);
            return Task.FromResult(found ? _tenants.GetValueOrDefault(key!.Info.TenantId) : null);
        }
    }

    public Task<TenantInfo?> GetTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_tenants.GetValueOrDefault(tenantId));
        }
    }

    public Task<IReadOnlyList<TenantInfo>> ListTenantsAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<TenantInfo>>(_tenants.Values.OrderBy(t => t.CreatedAt).ToList());
        }
    }

    public Task<(ApiKeyInfo Key, string ApiKey)> CreateKeyAsync(string tenantId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(AddKey(tenantId, ApiKeys.Generate()));
        }
    }

    public Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(string tenantId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ApiKeyInfo>>(_keys.Where(k => k.Info.TenantId == tenantId).Select(k => k.Info).ToList());
        }
    }

    public Task<bool> RevokeKeyAsync(string tenantId, string keyId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var index = _keys.FindIndex(k => k.Info.TenantId == tenantId && k.Info.Id == keyId);
            if (index < 0)
            {
                return Task.FromResult(false);
            }
            var revoked = _keys[index] with { Info = _keys[index].Info with { RevokedAt = _keys[index].Info.RevokedAt ?? time.GetUtcNow() } };
            _keys[index] = revoked;
            _byHash[Convert.ToHexStringLower(revoked.Hash)] = revoked;
            return Task.FromResult(true);
        }
    }

    private (ApiKeyInfo Key, string ApiKey) AddKey(string tenantId, string apiKey)
    {
        var info = new ApiKeyInfo(ApiKeys.NewId("key"), tenantId, ApiKeys.ShownPrefix(apiKey), time.GetUtcNow(), null);
        var stored = new StoredKey(info, ApiKeys.Hash(apiKey));
        _keys.Add(stored);
        _byHash[Convert.ToHexStringLower(stored.Hash)] = stored;
        return (info, apiKey);
    }
}
