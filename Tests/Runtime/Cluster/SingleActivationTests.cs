using PaymentNotifications.Runtime;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Runtime.Cluster;

/// <summary>At most one silo commits a grain's state: a silo whose lease was taken over cannot write.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SingleActivationTests
{
    [Fact]
    public async Task A_zombie_silo_whose_lease_was_taken_over_cannot_commit_and_its_call_runs_on_the_new_owner()
    {
        var probe = new ClusterProbe();
        await using var cluster = await TestClusters.StartAsync(probe, silos: 2);
        await cluster.WaitForBalancedOwnershipAsync(TimeSpan.FromSeconds(20));
        var (zombie, survivor) = (cluster.Silos[0], cluster.Silos[1]);
        var key = TestClusters.KeyOwnedBy<IJournalGrain>(zombie, "journal");
        var partition = TestClusters.PartitionOf<IJournalGrain>(cluster, key);
        await zombie.GrainFactory.GetGrain<IJournalGrain>(key).Append("seed");
        var epochBefore = (await cluster.Leases.ReadAllAsync(CancellationToken.None))[partition].Epoch;

        // The zombie's turn passes every local check, then the process "pauses" before it writes.
        var gated = zombie.GrainFactory.GetGrain<IJournalGrain>(key).AppendAfterGate("from-the-zombie-turn");
        await probe.AtGate.Task.WaitAsync(TimeSpan.FromSeconds(10));
        zombie.PauseLeaseRenewal();

        // Its lease expires and the survivor takes the partition under a new epoch and activates the grain. The
        // stored version is still the one the zombie read, so only the lease fence can stop the zombie's write.
        await Eventually.HoldsAsync(() => survivor.Ownership.TryGetValidLease(partition, out _), TimeSpan.FromSeconds(15), "survivor takes the partition");
        Assert.Equal([new JournalEntry("seed", zombie.SiloId)], await survivor.GrainFactory.GetGrain<IJournalGrain>(key).Read());
        var row = (await cluster.Leases.ReadAllAsync(CancellationToken.None))[partition];
        Assert.Equal(survivor.SiloId, row.Owner);
        Assert.True(row.Epoch > epochBefore);

        // The zombie wakes up and its turn goes on to write under the old epoch.
        zombie.ResumeLeaseRenewal();
        probe.Gate.SetResult();
        await gated.WaitAsync(TimeSpan.FromSeconds(20));

        // Its write was fenced; the call was then run by the owner, on the owner's state, which writes on normally.
        Assert.Contains((zombie.SiloId, nameof(PartitionLeaseLostException)), probe.RefusedWrites);
        await survivor.GrainFactory.GetGrain<IJournalGrain>(key).Append("owner");
        Assert.Equal(
            [new JournalEntry("seed", zombie.SiloId), new JournalEntry("from-the-zombie-turn", survivor.SiloId), new JournalEntry("owner", survivor.SiloId)],
            await survivor.GrainFactory.GetGrain<IJournalGrain>(key).Read());
        Assert.DoesNotContain(probe.RefusedWrites, w => w.SiloId == survivor.SiloId);
    }
}
