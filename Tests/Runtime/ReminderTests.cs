using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Reminders;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Runtime;

/// <summary>Durable reminders through a running silo, on memory and on PostgreSQL.</summary>
public abstract class ReminderTests
{
    /// <summary>Storage shared by the silos of one test, so a "restart" keeps the reminder rows.</summary>
    protected abstract Task<(string? ConnectionString, Action<IServiceCollection> Shared)> StorageAsync();

    private static async Task<TestSilo> StartAsync((string? ConnectionString, Action<IServiceCollection> Shared) storage, ReminderLog log) =>
        await TestSilo.StartAsync(storage.ConnectionString, ActivationTests.Register, services: s =>
        {
            storage.Shared(s);
            s.AddSingleton(log);
            s.AddSingleton(new CounterProbe());
        });

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(condition(), "condition not reached in time");
    }

    [Fact]
    public async Task One_shot_reminder_fires_once_and_is_removed()
    {
        var log = new ReminderLog();
        var storage = await StorageAsync();
        await using var silo = await StartAsync(storage, log);

        await silo.Grains.GetGrain<IReminderProbeGrain>("once").Schedule("wake", TimeSpan.FromMilliseconds(300), null);

        await WaitUntilAsync(() => log.Count("once", "wake") == 1, TimeSpan.FromSeconds(10));
        await Task.Delay(500);
        Assert.Equal(1, log.Count("once", "wake"));
        Assert.Null(await silo.Get<IReminderTable>().ReadAsync(new GrainId("ReminderProbeGrain", "once"), "wake", CancellationToken.None));
    }

    [Fact]
    public async Task Periodic_reminder_fires_on_its_period_until_unregistered()
    {
        var log = new ReminderLog();
        var storage = await StorageAsync();
        await using var silo = await StartAsync(storage, log);
        var grain = silo.Grains.GetGrain<IReminderProbeGrain>("periodic");

        await grain.Schedule("beat", TimeSpan.Zero, TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => log.Count("periodic", "beat") >= 3, TimeSpan.FromSeconds(10));
        await grain.Cancel("beat");
        var afterCancel = log.Count("periodic", "beat");
        await Task.Delay(1500);

        Assert.InRange(log.Count("periodic", "beat"), afterCancel, afterCancel + 1);
        // Ticks sit on the period grid (a late tick does not shift the next one) and fire once due, never before.
        var ticks = log.Ticks.Where(t => t.Key == "periodic").Select(t => t.Status).Take(3).ToList();
        Assert.All(ticks.Zip(ticks.Skip(1)), pair =>
        {
            var step = pair.Second.DueAt - pair.First.DueAt;
            Assert.True(step > TimeSpan.Zero && step.Ticks % TimeSpan.FromSeconds(1).Ticks == 0, $"ticks due {step} apart");
        });
        Assert.All(ticks, t => Assert.InRange(t.CurrentTickTime - t.DueAt, TimeSpan.Zero, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Reminder_survives_a_silo_restart()
    {
        var log = new ReminderLog();
        var storage = await StorageAsync();
        var first = await StartAsync(storage, log);
        await first.Grains.GetGrain<IReminderProbeGrain>("durable").Schedule("later", TimeSpan.FromSeconds(2), null);
        await first.StopAsync();
        await first.DisposeAsync();
        Assert.Equal(0, log.Count("durable", "later"));

        await using var second = await StartAsync(storage, log);

        await WaitUntilAsync(() => log.Count("durable", "later") == 1, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Ticks_missed_while_down_fire_once_on_recovery()
    {
        var log = new ReminderLog();
        var storage = await StorageAsync();
        var first = await StartAsync(storage, log);
        await first.Grains.GetGrain<IReminderProbeGrain>("missed").Schedule("beat", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        await first.StopAsync();
        await first.DisposeAsync();
        // Down for more than three periods.
        await Task.Delay(TimeSpan.FromSeconds(7));

        var restartedAt = DateTimeOffset.UtcNow;
        await using var second = await StartAsync(storage, log);
        await WaitUntilAsync(() => log.Count("missed", "beat") >= 1, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Ticks due while no silo ran are delivered as one; a later tick on the period grid may follow.
        var ticks = log.Ticks.Where(t => t.Key == "missed").ToList();
        Assert.Single(ticks, t => t.Status.DueAt < restartedAt);
        Assert.All(ticks.Skip(1), t => Assert.True(t.Status.DueAt >= restartedAt, "only one catch-up tick"));
        var row = await second.Get<IReminderTable>().ReadAsync(new GrainId("ReminderProbeGrain", "missed"), "beat", CancellationToken.None);
        Assert.True(row!.DueAt > DateTimeOffset.UtcNow, "the next tick is in the future, not a backlog of missed ones");
    }
}

public sealed class MemoryReminderTests : ReminderTests
{
    protected override Task<(string?, Action<IServiceCollection>)> StorageAsync()
    {
        var table = new MemoryReminderTable();
        return Task.FromResult<(string?, Action<IServiceCollection>)>((null, s => s.AddSingleton<IReminderTable>(table)));
    }
}

public sealed class PostgresReminderTests : ReminderTests
{
    protected override async Task<(string?, Action<IServiceCollection>)> StorageAsync() =>
        (await (await PostgresServer.GetAsync()).CreateDatabaseAsync("reminders"), _ => { });
}
