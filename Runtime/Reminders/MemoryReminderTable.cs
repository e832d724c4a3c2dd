namespace PaymentNotifications.Runtime.Reminders;

/// <summary>Reminders in process memory, for dev mode and in-process tests.</summary>
public sealed class MemoryReminderTable : IReminderTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId, string), ReminderEntry> _rows = [];

    public Task<ReminderEntry> UpsertAsync(GrainId grainId, string name, int partition, DateTimeOffset dueAt, TimeSpan? period, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var version = _rows.TryGetValue((grainId, name), out var old) ? old.Version + 1 : 1;
            var entry = new ReminderEntry(grainId, name, partition, dueAt, period, version);
            _rows[(grainId, name)] = entry;
            return Task.FromResult(entry);
        }
    }

    public Task<ReminderEntry?> ReadAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_rows.GetValueOrDefault((grainId, name)));
        }
    }

    public Task<IReadOnlyList<ReminderEntry>> ReadForGrainAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ReminderEntry> rows = _rows.Values.Where(r => r.GrainId == grainId).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
            return Task.FromResult(rows);
        }
    }

    public Task<bool> RemoveAsync(GrainId grainId, string name, long? expectedVersion, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_rows.TryGetValue((grainId, name), out var row) || (expectedVersion is { } v && row.Version != v))
            {
                return Task.FromResult(false);
            }
            return Task.FromResult(_rows.Remove((grainId, name)));
        }
    }

    public Task<IReadOnlyList<ReminderEntry>> ReadDueAsync(IReadOnlyCollection<int> partitions, DateTimeOffset dueBy, int limit, CancellationToken cancellationToken)
    {
        var owned = partitions as ISet<int> ?? partitions.ToHashSet();
        lock (_lock)
        {
            IReadOnlyList<ReminderEntry> due = _rows.Values
                .Where(r => r.DueAt <= dueBy && owned.Contains(r.Partition))
                .OrderBy(r => r.DueAt)
                .Take(limit)
                .ToList();
            return Task.FromResult(due);
        }
    }

    public Task<bool> RescheduleAsync(GrainId grainId, string name, long expectedVersion, DateTimeOffset nextDue, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_rows.TryGetValue((grainId, name), out var row) || row.Version != expectedVersion)
            {
                return Task.FromResult(false);
            }
            _rows[(grainId, name)] = row with { DueAt = nextDue, Version = row.Version + 1 };
            return Task.FromResult(true);
        }
    }

    public Task<(long Due, DateTimeOffset? OldestDue)> ReadBacklogAsync(DateTimeOffset dueBy, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var due = _rows.Values.Where(r => r.DueAt <= dueBy).ToList();
            return Task.FromResult<(long, DateTimeOffset?)>((due.Count, due.Count == 0 ? null : due.Min(r => r.DueAt)));
        }
    }
}
