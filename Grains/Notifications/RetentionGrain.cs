using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using PaymentNotifications.Grains.Interfaces.Notifications;

namespace PaymentNotifications.Grains.Notifications;

/// <summary>
/// Removes finished notifications' content once it is past <see cref="RetentionOptions"/>: finds them through the
/// notification queries and has each notification grain clear its own state, so an activation that holds the record
/// never writes the content back. One activation in the cluster, driven by an Orleans reminder.
/// </summary>
[GrainType("retention")]
public sealed class RetentionGrain(
    INotificationQueries queries,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionGrain> logger) : Grain, IRetentionGrain, IRemindable
{
    public const string SweepReminder = "retention-sweep";

    // Notification grains cleared at once: enough to hide a round trip, few enough not to crowd the silo.
    private const int Concurrency = 64;

    private readonly RetentionOptions _options = options.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Registered once: registering on every activation would push the next sweep out each time.
        if (await this.GetReminder(SweepReminder) is null)
        {
            var interval = _options.GetSweepInterval();
            await this.RegisterOrUpdateReminder(SweepReminder, interval, interval);
        }
    }

    public Task Start() => Task.CompletedTask;

    public async Task<int> Sweep()
    {
        var now = time.GetUtcNow();
        var due = await queries.FindContentDueForRemovalAsync(
            now - _options.GetCritical(), now - _options.GetPayload(), _options.BatchSize, CancellationToken.None);
        var removed = 0;
        foreach (var chunk in due.Chunk(Concurrency))
        {
            var answers = await Task.WhenAll(chunk.Select(id => GrainFactory.GetGrain<INotificationGrain>(id).RemoveExpiredContent()));
            removed += answers.Count(removedOne => removedOne);
        }
        if (removed > 0)
        {
            logger.LogInformation("Retention removed the content of {Removed} finished notifications", removed);
        }
        return removed;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == SweepReminder ? Sweep() : Task.CompletedTask;
}
