using PaymentNotifications.Runtime.Reminders;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.Runtime.Cluster;

/// <summary>Reminders in a cluster: each silo fires only the reminders of the partitions it owns.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ReminderPartitionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Each_silo_fires_only_the_reminders_of_partitions_it_owns_and_each_fires_once()
    {
        var probe = new ClusterProbe();
        await using var cluster = await TestClusters.StartAsync(probe, silos: 3);
        await cluster.WaitForBalancedOwnershipAsync(TimeSpan.FromSeconds(20));
        var keys = Enumerable.Range(0, 600).Select(i => $"r{i}").ToList();
        // Registered through random silos; they fire where the grain's partition is owned.
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (k, _) =>
            await cluster.Silos[Random.Shared.Next(3)].GrainFactory.GetGrain<ITickRecorderGrain>(k).ScheduleOnce("wake", TimeSpan.FromSeconds(1.5)));
        var owners = (await cluster.Leases.ReadAllAsync(CancellationToken.None)).ToDictionary(r => r.Partition, r => r.Owner);

        await Eventually.HoldsAsync(() => probe.Ticks.Count >= keys.Count, TimeSpan.FromSeconds(20), "every reminder fired");
        await Task.Delay(TimeSpan.FromSeconds(1));

        var ticks = probe.Ticks.ToList();
        Assert.Equal(keys.Count, ticks.Count);
        Assert.All(ticks, t =>
        {
            Assert.True(t.HeldLease);
            Assert.Equal(owners[TestClusters.PartitionOf<ITickRecorderGrain>(cluster, t.Key)], t.SiloId);
        });
        var perSilo = ticks.GroupBy(t => t.SiloId).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine("ticks per silo: " + string.Join(", ", perSilo.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}")));
        Assert.Equal(3, perSilo.Count);
        var fired = cluster.Silos.Sum(s => ((ReminderService)s.Services.GetService(typeof(ReminderService))!).Fired);
        Assert.Equal(keys.Count, fired);
    }
}
