using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Hosting;

namespace PaymentNotifications.Runtime.Reminders;

/// <summary>The grain-facing side of durable reminders: register, move, remove.</summary>
public sealed class ReminderRegistry(IReminderTable table, PartitionMap partitions, TimeProvider time, IOptions<ReminderOptions> options)
{
    internal async Task<ReminderEntry> RegisterAsync(ActivationContext context, string name, TimeSpan dueTime, TimeSpan? period)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!typeof(IRemindable).IsAssignableFrom(context.Activation.ImplementationType))
        {
            throw new InvalidOperationException($"Grain {context.GrainId} registers a reminder but does not implement IRemindable.");
        }
        if (period is { } p && p < options.Value.MinimumPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(period), p, $"Reminder periods must be at least {options.Value.MinimumPeriod}.");
        }
        if (dueTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "Reminder due time cannot be negative.");
        }
        return await table.UpsertAsync(context.GrainId, name, partitions.GetPartition(context.GrainId), time.GetUtcNow() + dueTime, period, CancellationToken.None);
    }

    internal Task UnregisterAsync(ActivationContext context, string name) =>
        table.RemoveAsync(context.GrainId, name, expectedVersion: null, CancellationToken.None);

    internal Task<ReminderEntry?> GetAsync(ActivationContext context, string name) =>
        table.ReadAsync(context.GrainId, name, CancellationToken.None);
}
