using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Grains.Storage;

/// <summary>The index of stored item names in process memory (dev mode), where the grain state it mirrors lives too.</summary>
public sealed class MemoryStoredItemIndex : IStoredItemIndex
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Tenant, StoredKind Kind), SortedSet<string>> _names = [];

    public Task AddAsync(string tenantId, StoredKind kind, string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_names.TryGetValue((tenantId, kind), out var names))
            {
                _names[(tenantId, kind)] = names = new SortedSet<string>(StringComparer.Ordinal);
            }
            names.Add(name);
        }
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string tenantId, StoredKind kind, string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_names.TryGetValue((tenantId, kind), out var names))
            {
                names.Remove(name);
            }
        }
        return Task.CompletedTask;
    }

    public Task<StoredItemPage> ListAsync(string tenantId, StoredKind kind, string? after, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var page = _names.TryGetValue((tenantId, kind), out var names)
                ? names.Where(n => after is null || string.CompareOrdinal(n, after) > 0).Take(limit + 1).ToList()
                : [];
            return Task.FromResult(new StoredItemPage(page.Take(limit).ToList(), page.Count > limit));
        }
    }
}
