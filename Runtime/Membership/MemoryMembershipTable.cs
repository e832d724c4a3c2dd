using System.Collections.Concurrent;

namespace PaymentNotifications.Runtime.Membership;

/// <summary>Membership in process memory, for dev mode and in-process tests.</summary>
public sealed class MemoryMembershipTable(TimeProvider time) : IMembershipTable
{
    private readonly ConcurrentDictionary<string, SiloRecord> _silos = new();

    public Task RegisterAsync(string siloId, string address, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        _silos[siloId] = new SiloRecord(siloId, address, startedAt, time.GetUtcNow(), SiloStatus.Active, TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public Task HeartbeatAsync(string siloId, CancellationToken cancellationToken)
    {
        if (_silos.TryGetValue(siloId, out var silo))
        {
            _silos[siloId] = silo with { HeartbeatAt = time.GetUtcNow() };
        }
        return Task.CompletedTask;
    }

    public Task SetStatusAsync(string siloId, SiloStatus status, CancellationToken cancellationToken)
    {
        if (_silos.TryGetValue(siloId, out var silo))
        {
            _silos[siloId] = silo with { Status = status };
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SiloRecord>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        IReadOnlyList<SiloRecord> all = _silos.Values
            .Select(s => s with { HeartbeatAge = now - s.HeartbeatAt })
            .OrderBy(s => s.SiloId, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(all);
    }

    public Task<int> RemoveDefunctAsync(TimeSpan silentFor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var removed = _silos.Values.Where(s => now - s.HeartbeatAt > silentFor).Count(s => _silos.TryRemove(new KeyValuePair<string, SiloRecord>(s.SiloId, s)));
        return Task.FromResult(removed);
    }
}
