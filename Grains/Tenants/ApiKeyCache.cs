using System.Collections.Concurrent;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Grains.Tenants;

/// <summary>
/// Remembers, for a few seconds, which tenant a key hash belongs to, so that a request does not need a
/// database round trip to authenticate. Only hashes are held, never keys. A revoke clears the key's entry and
/// bumps a generation so that a lookup that raced with the revoke cannot put the key back.
/// </summary>
public sealed class ApiKeyCache(TimeProvider time, TimeSpan ttl, int capacity = 10_000)
{
    private sealed record Entry(TenantInfo Tenant, string KeyId, DateTimeOffset ExpiresAt);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();
    private long _generation;

    /// <summary>Whether the cache holds anything at all (a TTL of zero disables it).</summary>
    public bool Enabled => ttl > TimeSpan.Zero;

    /// <summary>The generation to pass to <see cref="Add"/> after a lookup started now.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>The tenant of a key hash remembered and not expired, or null.</summary>
    public TenantInfo? Find(string hashHex)
    {
        if (!_entries.TryGetValue(hashHex, out var entry))
        {
            return null;
        }
        if (entry.ExpiresAt > time.GetUtcNow())
        {
            return entry.Tenant;
        }
        _entries.TryRemove(KeyValuePair.Create(hashHex, entry));
        return null;
    }

    /// <summary>Remembers a lookup unless a revoke happened since <paramref name="generation"/> was read.</summary>
    public void Add(string hashHex, TenantInfo tenant, string keyId, long generation)
    {
        if (!Enabled)
        {
            return;
        }
        lock (_writeLock)
        {
            if (generation != _generation)
            {
                return;
            }
            if (_entries.Count >= capacity)
            {
                _entries.Clear();
            }
            _entries[hashHex] = new Entry(tenant, keyId, time.GetUtcNow() + ttl);
        }
    }

    /// <summary>Forgets a revoked key at once.</summary>
    public void Forget(string keyId)
    {
        lock (_writeLock)
        {
            _generation++;
            foreach (var (hash, entry) in _entries)
            {
                if (entry.KeyId == keyId)
                {
                    _entries.TryRemove(hash, out _);
                }
            }
        }
    }
}
