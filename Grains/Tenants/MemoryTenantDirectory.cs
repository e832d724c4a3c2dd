using System.Security.Cryptography;
using Notifications.Orleans.Grains.Interfaces.Tenants;

namespace Notifications.Orleans.Grains.Tenants;

/// <summary>Tenants and keys in process memory (dev mode).</summary>
public sealed class MemoryTenantDirectory(TimeProvider time) : ITenantDirectory
{
    private sealed record StoredKey(ApiKeyInfo Info, byte[] Hash);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, TenantInfo> _tenants = new(StringComparer.Ordinal);
    private readonly List<StoredKey> _keys = [];

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
            var key = _keys.FirstOrDefault(k => k.Info.RevokedAt is null && CryptographicOperations.FixedTimeEquals(k.Hash, hash));
            return Task.FromResult(key is null ? null : _tenants.GetValueOrDefault(key.Info.TenantId));
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
            _keys[index] = _keys[index] with { Info = _keys[index].Info with { RevokedAt = _keys[index].Info.RevokedAt ?? time.GetUtcNow() } };
            return Task.FromResult(true);
        }
    }

    private (ApiKeyInfo Key, string ApiKey) AddKey(string tenantId, string apiKey)
    {
        var info = new ApiKeyInfo(ApiKeys.NewId("key"), tenantId, ApiKeys.ShownPrefix(apiKey), time.GetUtcNow(), null);
        _keys.Add(new StoredKey(info, ApiKeys.Hash(apiKey)));
        return (info, apiKey);
    }
}
