using System.Collections.Concurrent;
using PaymentNotifications.Grains.Interfaces.Merchants;

namespace PaymentNotifications.Grains.Merchants;

/// <summary>
/// This silo's copies of merchants' webhook targets, so that an attempt does not call the endpoint grain - on another
/// silo, most of the time, in a cluster - for every delivery. The endpoint grain puts each change into the cache of
/// the silo it lives on at once; the other silos see it once their copy is older than the time to live.
/// </summary>
// Hand-written rather than IMemoryCache: a read that raced with a change must not put the older target back.
public sealed class WebhookTargetCache(TimeProvider time, TimeSpan ttl, int capacity = 10_000)
{
    private sealed record Entry(WebhookTarget? Target, DateTimeOffset ExpiresAt);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();
    private long _changes;

    /// <summary>The target of an endpoint: this silo's copy while it is fresh, otherwise what <paramref name="fetch"/> reads.</summary>
    public async Task<WebhookTarget?> GetAsync(string endpointKey, Func<string, Task<WebhookTarget?>> fetch)
    {
        if (_entries.TryGetValue(endpointKey, out var entry) && entry.ExpiresAt > time.GetUtcNow())
        {
            return entry.Target;
        }
        var changesBefore = Interlocked.Read(ref _changes);
        var target = await fetch(endpointKey);
        lock (_writeLock)
        {
            if (changesBefore == _changes)
            {
                Store(endpointKey, target);
            }
        }
        return target;
    }

    /// <summary>Replaces this silo's copy after a change; reads that started before it keep their answer to themselves.</summary>
    public void Changed(string endpointKey, WebhookTarget? target)
    {
        lock (_writeLock)
        {
            _changes++;
            Store(endpointKey, target);
        }
    }

    private void Store(string endpointKey, WebhookTarget? target)
    {
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }
        _entries[endpointKey] = new Entry(target, time.GetUtcNow() + ttl);
    }
}
