namespace PaymentNotifications.Runtime.Reminders;

/// <summary>A durable reminder row. <see cref="Period"/> is null for a one-shot reminder; <see cref="Version"/> rises on every change.</summary>
public sealed record ReminderEntry(GrainId GrainId, string Name, int Partition, DateTimeOffset DueAt, TimeSpan? Period, long Version);

/// <summary>Durable reminders, read by partition so each silo loads only what it owns.</summary>
public interface IReminderTable
{
    /// <summary>Creates or replaces the reminder; the returned entry carries its new version.</summary>
    Task<ReminderEntry> UpsertAsync(GrainId grainId, string name, int partition, DateTimeOffset dueAt, TimeSpan? period, CancellationToken cancellationToken);

    Task<ReminderEntry?> ReadAsync(GrainId grainId, string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<ReminderEntry>> ReadForGrainAsync(GrainId grainId, CancellationToken cancellationToken);

    /// <summary>Removes the reminder; with an expected version, only if it was not changed since.</summary>
    Task<bool> RemoveAsync(GrainId grainId, string name, long? expectedVersion, CancellationToken cancellationToken);

    /// <summary>Due reminders (due at or before <paramref name="dueBy"/>) of the given partitions, earliest first.</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadDueAsync(IReadOnlyCollection<int> partitions, DateTimeOffset dueBy, int limit, CancellationToken cancellationToken);

    /// <summary>Moves the reminder's next due time if it is still at the expected version.</summary>
    Task<bool> RescheduleAsync(GrainId grainId, string name, long expectedVersion, DateTimeOffset nextDue, CancellationToken cancellationToken);

    /// <summary>Number of reminders due by the given time and the due time of the oldest of them.</summary>
    Task<(long Due, DateTimeOffset? OldestDue)> ReadBacklogAsync(DateTimeOffset dueBy, CancellationToken cancellationToken);
}
