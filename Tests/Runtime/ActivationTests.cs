using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Runtime;

/// <summary>Activation, turns and idle collection, on memory and on PostgreSQL storage.</summary>
public abstract class ActivationTests
{
    protected abstract Task<string?> ConnectionStringAsync();

    private async Task<(TestSilo Silo, CounterProbe Probe)> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var probe = new CounterProbe();
        var silo = await TestSilo.StartAsync(await ConnectionStringAsync(), Register, settings, s => s.AddSingleton(probe).AddSingleton(new ReminderLog()));
        return (silo, probe);
    }

    internal static void Register(SiloBuilder silo)
    {
        silo.AddGrain<ICounterGrain, CounterGrain>();
        silo.AddGrain<IPingGrain, PingGrain>();
        silo.AddGrain<IReminderProbeGrain, ReminderProbeGrain>();
    }

    [Fact]
    public async Task Concurrent_calls_to_one_grain_run_one_at_a_time_and_lose_no_increment()
    {
        var (silo, probe) = await StartAsync();
        await using var _ = silo;
        var counter = silo.Grains.GetGrain<ICounterGrain>("hot");

        await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(counter.Increment)));

        Assert.Equal(1000, await counter.Get());
        Assert.Equal(1, probe.MaxConcurrent);
        Assert.Equal(1, probe.Activated);
    }

    [Fact]
    public async Task Calls_racing_a_grain_that_deactivates_after_each_turn_all_land_on_some_activation()
    {
        var (silo, probe) = await StartAsync();
        await using var _ = silo;
        var counter = silo.Grains.GetGrain<ICounterGrain>("restless");

        // Each call ends its activation; the others arrive while it is going away or already gone.
        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (_, _) => await counter.IncrementAndDeactivate());

        Assert.Equal(2000, await counter.Get());
        Assert.Equal(1, probe.MaxConcurrent);
        Assert.True(probe.Activated > 1, "the grain was activated more than once");
    }

    [Fact]
    public async Task Many_grains_activate_and_idle_ones_are_deactivated()
    {
        var (silo, probe) = await StartAsync(new Dictionary<string, string?>
        {
            ["Grains:Collection:CollectionAge"] = "00:00:01",
            ["Grains:Collection:CollectionQuantum"] = "00:00:00.250",
        });
        await using var _ = silo;
        var catalog = silo.Get<Catalog>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 10_000), new ParallelOptions { MaxDegreeOfParallelism = 64 },
            async (i, _) => await silo.Grains.GetGrain<ICounterGrain>($"g{i}").Get());
        Assert.Equal(10_000, probe.Activated);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (catalog.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal(0, catalog.Count);
        Assert.Equal(10_000, probe.Deactivated);
    }

    [Fact]
    public async Task Deactivated_grain_reloads_its_persisted_state()
    {
        var (silo, probe) = await StartAsync();
        await using var _ = silo;
        var counter = silo.Grains.GetGrain<ICounterGrain>("persisted");
        await counter.Increment();
        await counter.Increment();

        await silo.Get<Catalog>().DeactivatePartitionsAsync(null, global::PaymentNotifications.Runtime.DeactivationReason.Requested);
        Assert.Equal(1, probe.Deactivated);

        Assert.Equal(2, await counter.Get());
        Assert.Equal(2, probe.Activated);
    }

    [Fact]
    public async Task A_call_cycle_on_one_chain_does_not_deadlock()
    {
        var (silo, _) = await StartAsync();
        await using var __ = silo;

        var answer = await silo.Grains.GetGrain<IPingGrain>("a").PingThrough("b").WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("b->a", answer);
    }

    [Fact]
    public async Task Grain_exceptions_reach_the_caller_and_the_activation_keeps_serving()
    {
        var (silo, _) = await StartAsync();
        await using var __ = silo;
        var grain = silo.Grains.GetGrain<IReminderProbeGrain>("not-a-period");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => grain.Schedule("r", TimeSpan.Zero, TimeSpan.FromMilliseconds(10)));
        await grain.Schedule("r", TimeSpan.FromHours(1), TimeSpan.FromHours(1));
    }
}

public sealed class MemoryActivationTests : ActivationTests
{
    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

public sealed class PostgresActivationTests : ActivationTests
{
    protected override async Task<string?> ConnectionStringAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync("activation");
}
