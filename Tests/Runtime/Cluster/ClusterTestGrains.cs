using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Testing;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Runtime.Cluster;

/// <summary>A counter whose increments carry an operation id, so an increment sent twice counts once.</summary>
public interface IOperationCounterGrain : IGrainWithStringKey
{
    Task<int> Apply(string operationId);

    Task<OperationCounterSnapshot> Read();
}

public sealed record OperationCounterSnapshot(int Count, IReadOnlyList<string> Applied, string SiloId);

public sealed class OperationCounterState
{
    public int Count { get; set; }
    public List<string> Applied { get; set; } = [];
}

/// <summary>What grains of a cluster test saw, shared by all silos of the process.</summary>
public sealed class ClusterProbe
{
    private int _duplicateApplies;

    /// <summary>Operations that arrived again after they had been applied (sent again after an in-doubt failure).</summary>
    public int DuplicateApplies => Volatile.Read(ref _duplicateApplies);

    public void DuplicateApplied() => Interlocked.Increment(ref _duplicateApplies);

    /// <summary>Refused state writes: which silo tried and what it got.</summary>
    public ConcurrentQueue<(string SiloId, string Exception)> RefusedWrites { get; } = new();

    /// <summary>Reminder ticks: grain key, reminder, the silo that ran it, and whether that silo held the grain's lease then.</summary>
    public ConcurrentQueue<(string Key, string Name, string SiloId, bool HeldLease)> Ticks { get; } = new();

    /// <summary>Opens when the test lets a gated write go ahead.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a gated call is waiting at the gate (its turn already started).</summary>
    public TaskCompletionSource AtGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class OperationCounterGrain(ClusterProbe probe, PartitionOwnership ownership) : Grain<OperationCounterState>, IOperationCounterGrain
{
    public async Task<int> Apply(string operationId)
    {
        if (State.Applied.Contains(operationId))
        {
            probe.DuplicateApplied();
            return State.Count;
        }
        // Read, yield, write: overlapping turns or two live activations would lose or double increments.
        var count = State.Count;
        await Task.Yield();
        State.Count = count + 1;
        State.Applied.Add(operationId);
        await WriteStateAsync();
        return State.Count;
    }

    public Task<OperationCounterSnapshot> Read() => Task.FromResult(new OperationCounterSnapshot(State.Count, State.Applied, ownership.SiloId));
}

public interface IClusterPingGrain : IGrainWithStringKey
{
    /// <summary>Calls <paramref name="other"/>, which calls back into this grain while this turn waits.</summary>
    Task<string> PingThrough(string other);

    Task<string> PingBack(string caller);

    Task<string> Name();

    Task<int> Echo(int value);

    /// <summary>Waits, then asks <paramref name="other"/> for its name.</summary>
    Task<string> NameOfAfter(string other, TimeSpan delay);
}

public sealed class ClusterPingGrain(PartitionOwnership ownership) : Grain, IClusterPingGrain
{
    public Task<string> PingThrough(string other) => GrainFactory.GetGrain<IClusterPingGrain>(other).PingBack(GetPrimaryKeyString());

    public async Task<string> PingBack(string caller) => $"{await Name()}->{await GrainFactory.GetGrain<IClusterPingGrain>(caller).Name()}";

    public Task<string> Name() => Task.FromResult($"{GetPrimaryKeyString()}@{ownership.SiloId}");

    public Task<int> Echo(int value) => Task.FromResult(value);

    public async Task<string> NameOfAfter(string other, TimeSpan delay)
    {
        await Task.Delay(delay);
        return await GrainFactory.GetGrain<IClusterPingGrain>(other).Name();
    }
}

/// <summary>An exception type of a grain library, rebuilt by message on the calling side.</summary>
public sealed class PaymentDeclinedTestException(string message) : Exception(message);

/// <summary>An exception that cannot be rebuilt from a message alone.</summary>
public sealed class LedgerCodeTestException(int code) : Exception($"ledger code {code}")
{
    public int Code { get; } = code;
}

public interface IThrowingGrain : IGrainWithStringKey
{
    Task Throw(string kind, string message);
}

public sealed class ThrowingGrain : Grain, IThrowingGrain
{
    public Task Throw(string kind, string message) => kind switch
    {
        "argument-null" => throw new ArgumentNullException("amount", message),
        "invalid-operation" => throw new InvalidOperationException(message),
        "key-not-found" => throw new KeyNotFoundException(message),
        "payment-declined" => throw new PaymentDeclinedTestException(message),
        "ledger-code" => throw new LedgerCodeTestException(42),
        "inconsistent-state" => throw new InconsistentStateException(message),
        _ => Task.CompletedTask,
    };
}

public sealed record JournalEntry(string Text, string WrittenBy);

public sealed class JournalState
{
    public List<JournalEntry> Entries { get; set; } = [];
}

public interface IJournalGrain : IGrainWithStringKey
{
    Task Append(string text);

    /// <summary>Starts its turn, waits for <see cref="ClusterProbe.Gate"/>, then appends and writes.</summary>
    Task AppendAfterGate(string text);

    Task<IReadOnlyList<JournalEntry>> Read();
}

public sealed class JournalGrain(ClusterProbe probe, PartitionOwnership ownership) : Grain<JournalState>, IJournalGrain
{
    public Task Append(string text) => AppendAndWriteAsync(text);

    public async Task AppendAfterGate(string text)
    {
        probe.AtGate.TrySetResult();
        await probe.Gate.Task;
        await AppendAndWriteAsync(text);
    }

    public Task<IReadOnlyList<JournalEntry>> Read() => Task.FromResult<IReadOnlyList<JournalEntry>>(State.Entries);

    private async Task AppendAndWriteAsync(string text)
    {
        State.Entries.Add(new JournalEntry(text, ownership.SiloId));
        try
        {
            await WriteStateAsync();
        }
        catch (Exception e)
        {
            probe.RefusedWrites.Enqueue((ownership.SiloId, e.GetType().Name));
            throw;
        }
    }
}

public interface ITickRecorderGrain : IGrainWithStringKey
{
    Task ScheduleOnce(string name, TimeSpan dueTime);
}

public sealed class TickRecorderGrain(ClusterProbe probe, PartitionOwnership ownership, PartitionMap partitions) : Grain, ITickRecorderGrain, IRemindable
{
    public Task ScheduleOnce(string name, TimeSpan dueTime) => RegisterOneShotReminder(name, dueTime);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        probe.Ticks.Enqueue((GetPrimaryKeyString(), reminderName, ownership.SiloId, ownership.TryGetValidLease(partitions.GetPartition(GrainId), out _)));
        return Task.CompletedTask;
    }
}

/// <summary>Starts test clusters with the cluster test grains on a fresh database.</summary>
public static class TestClusters
{
    public static void Register(SiloBuilder silo)
    {
        silo.AddGrain<IOperationCounterGrain, OperationCounterGrain>();
        silo.AddGrain<IClusterPingGrain, ClusterPingGrain>();
        silo.AddGrain<IThrowingGrain, ThrowingGrain>();
        silo.AddGrain<IJournalGrain, JournalGrain>();
        silo.AddGrain<ITickRecorderGrain, TickRecorderGrain>();
    }

    public static async Task<TestCluster> StartAsync(ClusterProbe probe, int silos = 3, IDictionary<string, string?>? settings = null)
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("cluster");
        return await TestCluster.StartAsync(new TestClusterOptions
        {
            ConnectionString = database,
            InitialSilos = silos,
            ConfigureSilo = Register,
            ConfigureServices = s => s.AddSingleton(probe),
            Settings = settings ?? new Dictionary<string, string?>(),
        });
    }

    /// <summary>A key of grain interface <typeparamref name="TGrain"/> whose partition the given silo owns now.</summary>
    public static string KeyOwnedBy<TGrain>(TestClusterSilo silo, string prefix) where TGrain : IGrain
    {
        var map = silo.Services.GetRequiredService<PartitionMap>();
        var type = GrainTypeRegistry.TypeNameOf(typeof(TGrain));
        for (var i = 0; i < 100_000; i++)
        {
            var key = $"{prefix}-{i}";
            if (silo.Ownership.TryGetValidLease(map.GetPartition(new GrainId(type, key)), out _))
            {
                return key;
            }
        }
        throw new InvalidOperationException($"{silo.SiloId} owns no partition.");
    }

    public static int PartitionOf<TGrain>(TestCluster cluster, string key) where TGrain : IGrain =>
        cluster.Silos[0].Services.GetRequiredService<PartitionMap>().GetPartition(new GrainId(GrainTypeRegistry.TypeNameOf(typeof(TGrain)), key));
}
