using System.Collections.Concurrent;
using System.Diagnostics;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Testing;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.Runtime.Cluster;

/// <summary>Silos dying, leaving and joining under load: nothing acknowledged is lost, nothing is applied twice.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Ten_thousand_grains_end_with_exact_counts_through_a_kill_and_a_join()
    {
        var probe = new ClusterProbe();
        await using var cluster = await TestClusters.StartAsync(probe, silos: 3);
        await cluster.WaitForBalancedOwnershipAsync(Settle);

        // Every grain gets two increments and fifty hot grains forty each, in random order from 64 concurrent
        // callers through random silos. Each increment has an operation id: one whose outcome is unknown
        // (its silo died mid-call) is sent again, and the grain applies an id once.
        var operations = new List<(string Key, string Operation)>();
        for (var g = 0; g < 10_000; g++)
        {
            operations.Add(($"g{g}", $"g{g}/a"));
            operations.Add(($"g{g}", $"g{g}/b"));
        }
        for (var h = 0; h < 50; h++)
        {
            operations.AddRange(Enumerable.Range(0, 40).Select(i => ($"hot{h}", $"hot{h}/{i}")));
        }
        var random = new Random(20261121);
        var queue = new ConcurrentQueue<(string Key, string Operation)>(operations.OrderBy(_ => random.Next()));
        var expected = operations.GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.Select(o => o.Operation).ToHashSet());

        var entryPoints = cluster.Silos.ToArray();
        var killAt = operations.Count * 3 / 10;
        var joinAt = operations.Count * 6 / 10;
        var kill = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var join = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = 0;
        var inDoubt = 0;
        var unexpected = new ConcurrentQueue<Exception>();
        var clock = Stopwatch.StartNew();

        async Task CallerAsync()
        {
            while (queue.TryDequeue(out var operation))
            {
                while (true)
                {
                    var entry = Volatile.Read(ref entryPoints)[Random.Shared.Next(Volatile.Read(ref entryPoints).Length)];
                    try
                    {
                        await entry.GrainFactory.GetGrain<IOperationCounterGrain>(operation.Key).Apply(operation.Operation);
                        break;
                    }
                    catch (SiloUnavailableException)
                    {
                        Interlocked.Increment(ref inDoubt);
                    }
                    catch (Exception e)
                    {
                        unexpected.Enqueue(e);
                        break;
                    }
                }
                var done = Interlocked.Increment(ref completed);
                if (done == killAt)
                {
                    kill.TrySetResult();
                }
                else if (done == joinAt)
                {
                    join.TrySetResult();
                }
            }
        }

        TimeSpan? takeover = null;
        async Task DisruptAsync()
        {
            await kill.Task;
            var victim = cluster.Silos[1];
            var victimPartitions = victim.Ownership.ValidPartitions.ToHashSet();
            Volatile.Write(ref entryPoints, cluster.Silos.Where(s => s != victim).ToArray());
            var killedAt = Stopwatch.StartNew();
            await cluster.KillSiloAsync(victim);
            output.WriteLine($"killed {victim.SiloId} (owned {victimPartitions.Count} partitions) after {killAt} increments at {clock.Elapsed.TotalSeconds:F1} s");
            await Eventually.HoldsAsync(async () =>
            {
                var rows = await cluster.Leases.ReadAllAsync(CancellationToken.None);
                return rows.Where(r => victimPartitions.Contains(r.Partition)).All(r => r.Owner is not null && r.Owner != victim.SiloId && !r.Expired);
            }, TimeSpan.FromSeconds(30), "partitions of the killed silo taken over");
            takeover = killedAt.Elapsed;

            await join.Task;
            await cluster.StartSiloAsync();
            Volatile.Write(ref entryPoints, cluster.Silos.ToArray());
            output.WriteLine($"joined a silo after {joinAt} increments at {clock.Elapsed.TotalSeconds:F1} s");
        }

        var disruption = DisruptAsync();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(CallerAsync)));
        await disruption;
        var loadTime = clock.Elapsed;

        Assert.Empty(unexpected);
        Assert.Equal(operations.Count, completed);

        var mismatches = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(expected, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (grain, _) =>
        {
            var snapshot = await cluster.Silos[Random.Shared.Next(cluster.Silos.Count)].GrainFactory.GetGrain<IOperationCounterGrain>(grain.Key).Read();
            if (snapshot.Count != grain.Value.Count || snapshot.Applied.Count != grain.Value.Count || !grain.Value.SetEquals(snapshot.Applied))
            {
                mismatches.Enqueue($"{grain.Key}: count {snapshot.Count}, applied [{string.Join(",", snapshot.Applied)}]");
            }
        });

        output.WriteLine($"{operations.Count} increments on {expected.Count} grains in {loadTime.TotalSeconds:F1} s; " +
            $"in doubt and sent again: {inDoubt}, found already applied: {probe.DuplicateApplies}; takeover after kill: {takeover?.TotalSeconds:F2} s");
        Assert.Empty(mismatches);
        // An operation can arrive twice only when a first attempt's outcome was unknown.
        Assert.InRange(probe.DuplicateApplies, 0, inDoubt);
        Assert.NotNull(takeover);
        Assert.True(takeover < TimeSpan.FromSeconds(10), $"takeover took {takeover}");
    }

    [Fact]
    public async Task A_call_in_flight_when_its_silo_dies_ends_in_doubt_and_is_not_run_again_elsewhere()
    {
        var probe = new ClusterProbe();
        await using var cluster = await TestClusters.StartAsync(probe, silos: 2);
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        var (caller, victim) = (cluster.Silos[0], cluster.Silos[1]);
        var key = TestClusters.KeyOwnedBy<IJournalGrain>(victim, "in-flight");
        var partition = TestClusters.PartitionOf<IJournalGrain>(cluster, key);
        var journal = caller.GrainFactory.GetGrain<IJournalGrain>(key);
        await journal.Append("before");

        var call = journal.AppendAfterGate("in-flight");
        await probe.AtGate.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cluster.KillSiloAsync(victim);

        // The request had reached the silo: the caller cannot know whether it ran, and is told so.
        await Assert.ThrowsAsync<SiloUnavailableException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(caller.Router.InDoubtCalls >= 1);

        // Calls sent after the death wait for the takeover instead of failing; the call was not run a second time.
        Assert.Equal([new JournalEntry("before", victim.SiloId)], await journal.Read());
        Assert.True(caller.Ownership.TryGetValidLease(partition, out _));
        probe.Gate.SetResult();
    }

    [Fact]
    public async Task Due_reminders_of_a_killed_silo_fire_once_on_the_new_owners()
    {
        var probe = new ClusterProbe();
        await using var cluster = await TestClusters.StartAsync(probe, silos: 3);
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        var victim = cluster.Silos[1];
        var keys = KeysOwnedBy<ITickRecorderGrain>(cluster, victim, 30);
        await Task.WhenAll(keys.Select(k => victim.GrainFactory.GetGrain<ITickRecorderGrain>(k).ScheduleOnce("wake", TimeSpan.FromSeconds(2))));

        await cluster.KillSiloAsync(victim);

        await Eventually.HoldsAsync(() => keys.All(k => probe.Ticks.Any(t => t.Key == k)), TimeSpan.FromSeconds(20), "every reminder fired");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var ticks = probe.Ticks.ToList();
        Assert.All(keys, k =>
        {
            var tick = Assert.Single(ticks, t => t.Key == k);
            Assert.NotEqual(victim.SiloId, tick.SiloId);
            Assert.True(tick.HeldLease, $"{k} fired on {tick.SiloId} without its lease");
        });
    }

    [Fact]
    public async Task Graceful_stop_hands_partitions_over_faster_than_lease_expiry()
    {
        var probe = new ClusterProbe();
        await using var cluster = await TestClusters.StartAsync(probe, silos: 3);
        await cluster.WaitForBalancedOwnershipAsync(Settle);
        var leaving = cluster.Silos[0];
        var keys = KeysOwnedBy<IOperationCounterGrain>(cluster, leaving, 300);
        await Task.WhenAll(keys.Select(k => leaving.GrainFactory.GetGrain<IOperationCounterGrain>(k).Apply("before")));
        var held = leaving.Ownership.ValidPartitions.ToHashSet();
        var leaseDuration = TimeSpan.Parse(cluster.Settings["Cluster:LeaseDuration"]!, System.Globalization.CultureInfo.InvariantCulture);

        var clock = Stopwatch.StartNew();
        var stopping = cluster.StopSiloAsync(leaving);
        await Eventually.HoldsAsync(async () =>
        {
            var rows = await cluster.Leases.ReadAllAsync(CancellationToken.None);
            return rows.Where(r => held.Contains(r.Partition)).All(r => r.Owner is not null && r.Owner != leaving.SiloId && !r.Expired);
        }, TimeSpan.FromSeconds(15), "partitions of the stopped silo owned by the others");
        var handover = clock.Elapsed;
        await stopping;
        var survivor = cluster.Silos[0];
        var answers = await Task.WhenAll(keys.Select(k => survivor.GrainFactory.GetGrain<IOperationCounterGrain>(k).Apply("after")));
        var answered = clock.Elapsed;

        output.WriteLine($"graceful stop of {leaving.SiloId} ({held.Count} partitions, {keys.Count} activations): partitions owned elsewhere after " +
            $"{handover.TotalMilliseconds:F0} ms, its grains answered again after {answered.TotalMilliseconds:F0} ms (lease duration {leaseDuration.TotalMilliseconds:F0} ms)");
        Assert.All(answers, a => Assert.Equal(2, a));
        Assert.True(handover < leaseDuration, $"handover took {handover}, not less than the lease duration {leaseDuration}");
    }

    [Fact]
    public async Task A_last_silo_stopping_mid_turn_does_not_wait_the_call_timeout_for_a_partition_nobody_takes()
    {
        var probe = new ClusterProbe();
        var callTimeout = TimeSpan.FromSeconds(60);
        await using var cluster = await TestClusters.StartAsync(probe, silos: 1, new Dictionary<string, string?> { ["Cluster:CallTimeout"] = callTimeout.ToString() });
        var silo = cluster.Silos[0];
        var busy = TestClusters.KeyOwnedBy<IClusterPingGrain>(silo, "busy");
        var idle = Enumerable.Range(0, 1000).Select(i => $"idle-{i}")
            .First(k => TestClusters.PartitionOf<IClusterPingGrain>(cluster, k) != TestClusters.PartitionOf<IClusterPingGrain>(cluster, busy));

        // The turn outlives the release of the idle grain's partition, then calls into it.
        var turn = silo.GrainFactory.GetGrain<IClusterPingGrain>(busy).NameOfAfter(idle, TimeSpan.FromSeconds(1));
        await Task.Delay(200);
        var clock = Stopwatch.StartNew();
        await cluster.StopSiloAsync(silo);
        var stopped = clock.Elapsed;

        var error = await Assert.ThrowsAsync<GrainUnavailableException>(() => turn);
        output.WriteLine($"stop took {stopped.TotalMilliseconds:F0} ms; the turn ended with: {error.Message}");
        Assert.Contains("leaving", error.Message);
        Assert.True(stopped < callTimeout / 2, $"stop took {stopped}, close to the call timeout {callTimeout}");
    }

    internal static List<string> KeysOwnedBy<TGrain>(TestCluster cluster, TestClusterSilo silo, int count) where TGrain : IGrain =>
        Enumerable.Range(0, 100_000)
            .Select(i => $"k{i}")
            .Where(k => silo.Ownership.TryGetValidLease(TestClusters.PartitionOf<TGrain>(cluster, k), out _))
            .Take(count)
            .ToList();
}
