using System.Collections.Concurrent;
using PaymentNotifications.Runtime;

namespace PaymentNotifications.Tests.Runtime;

public interface ICounterGrain : IGrainWithStringKey
{
    /// <summary>Read-modify-write with an await in between, so overlapping turns would lose increments.</summary>
    Task<int> Increment();

    Task<int> Get();

    /// <summary>Increments, then asks for the activation to end after this turn.</summary>
    Task<int> IncrementAndDeactivate();

    /// <summary>How many activations of this type ran OnActivateAsync in total (all keys).</summary>
    Task<int> Activations();
}

public sealed class CounterState
{
    public int Count { get; set; }
}

/// <summary>Counts observed concurrency and activations, shared across grains of the test.</summary>
public sealed class CounterProbe
{
    private int _running;
    public int MaxConcurrent;
    public int Activated;
    public int Deactivated;

    public void Enter()
    {
        var now = Interlocked.Increment(ref _running);
        int seen;
        while (now > (seen = Volatile.Read(ref MaxConcurrent)) && Interlocked.CompareExchange(ref MaxConcurrent, now, seen) != seen)
        {
        }
    }

    public void Exit() => Interlocked.Decrement(ref _running);
}

public sealed class CounterGrain(CounterProbe probe) : Grain<CounterState>, ICounterGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref probe.Activated);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref probe.Deactivated);
        return Task.CompletedTask;
    }

    public async Task<int> Increment()
    {
        probe.Enter();
        try
        {
            var read = State.Count;
            await Task.Yield();
            State.Count = read + 1;
            await WriteStateAsync();
            return State.Count;
        }
        finally
        {
            probe.Exit();
        }
    }

    public Task<int> Get() => Task.FromResult(State.Count);

    public async Task<int> IncrementAndDeactivate()
    {
        var count = await Increment();
        DeactivateOnIdle();
        return count;
    }

    public Task<int> Activations() => Task.FromResult(probe.Activated);
}

public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task Schedule(string name, TimeSpan dueTime, TimeSpan? period);

    Task Cancel(string name);
}

/// <summary>Records every reminder tick it receives, by grain key.</summary>
public sealed class ReminderLog
{
    public ConcurrentQueue<(string Key, string Name, TickStatus Status)> Ticks { get; } = new();

    public int Count(string key, string name) => Ticks.Count(t => t.Key == key && t.Name == name);
}

public sealed class ReminderProbeGrain(ReminderLog log) : Grain, IReminderProbeGrain, IRemindable
{
    public Task Schedule(string name, TimeSpan dueTime, TimeSpan? period) =>
        period is { } p ? RegisterOrUpdateReminder(name, dueTime, p) : RegisterOneShotReminder(name, dueTime);

    public Task Cancel(string name) => UnregisterReminder(name);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        log.Ticks.Enqueue((GetPrimaryKeyString(), reminderName, status));
        return Task.CompletedTask;
    }
}

public interface IPingGrain : IGrainWithStringKey
{
    /// <summary>Calls the other grain, which calls back into this one: a cycle on one call chain.</summary>
    Task<string> PingThrough(string other);

    Task<string> PingBack(string caller);

    Task<string> Name();
}

public sealed class PingGrain : Grain, IPingGrain
{
    public Task<string> PingThrough(string other) => GrainFactory.GetGrain<IPingGrain>(other).PingBack(GetPrimaryKeyString());

    public async Task<string> PingBack(string caller) => $"{GetPrimaryKeyString()}->{await GrainFactory.GetGrain<IPingGrain>(caller).Name()}";

    public Task<string> Name() => Task.FromResult(GetPrimaryKeyString());
}
