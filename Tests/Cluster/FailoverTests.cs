using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.Cluster;

/// <summary>What the product relies on from Orleans when silos die, join and all restart, on PostgreSQL.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Retries_held_by_a_killed_silo_run_on_the_survivors_and_each_notification_is_delivered_once()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("failover");
        await using var cluster = await NotificationCluster.StartAsync(database, silos: 3, new Dictionary<string, string?>
        {
            ["Delivery:RetrySchedule"] = "3s",
            ["Delivery:RetryJitter"] = "0",
        });
        await using var receiver = await WebhookReceiver.StartAsync();
        // The first attempt of each fails, so every one holds a retry 3 s out on whichever silo it lives.
        receiver.Respond = (_, attempt) => attempt == 1 ? 503 : 200;
        await cluster.EndpointAsync("m-1", receiver);
        var ids = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            ids.Add(await cluster.SubmitAsync($"failover-{i}", "m-1"));
        }
        await Eventually.HoldsAsync(() => ids.All(id => receiver.CountFor(id) >= 1), TimeSpan.FromSeconds(30), "every first attempt was made");

        var victim = cluster.Silos[1];
        var held = await ActivationsOnAsync(cluster, victim.SiloAddress, ids);
        await cluster.KillAsync(victim);
        var finals = await cluster.WaitForFinalAsync(ids, TimeSpan.FromSeconds(60));

        output.WriteLine($"the killed silo held {held} of {ids.Count} notifications with a retry outstanding");
        Assert.True(held > 0, "the killed silo held none of the notifications; the test proves nothing");
        Assert.All(finals, n => Assert.Equal(NotificationState.Success, n.State));
        Assert.All(ids, id => Assert.Equal(1, receiver.Received.Count(r => r.Id == id && r.Answered == 200)));
        Assert.All(finals, n => Assert.Equal(2, n.Attempts.Count));
    }

    [Fact]
    public async Task Submits_during_a_kill_and_a_join_are_all_delivered()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("failover");
        await using var cluster = await NotificationCluster.StartAsync(database, silos: 2);
        await using var receiver = await WebhookReceiver.StartAsync();
        await cluster.EndpointAsync("m-1", receiver);

        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var submitting = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    acknowledged.Add(await cluster.SubmitAsync($"churn-{i}", "m-1"));
                }
                catch (Exception e) when (e is OrleansException or TimeoutException)
                {
                    // Not acknowledged: the client may try again; it is not counted.
                }
            }
        });
        await Eventually.HoldsAsync(() => acknowledged.Count >= 50, TimeSpan.FromSeconds(30), "submits flowing");
        await cluster.KillAsync(cluster.Silos[1]);
        await Eventually.HoldsAsync(() => acknowledged.Count >= 150, TimeSpan.FromSeconds(60), "submits flowing after the kill");
        await cluster.AddSiloAsync();
        var afterJoin = acknowledged.Count;
        await Eventually.HoldsAsync(() => acknowledged.Count >= afterJoin + 100, TimeSpan.FromSeconds(60), "submits flowing after the join");
        await stop.CancelAsync();
        await submitting;

        var ids = acknowledged.ToList();
        var finals = await cluster.WaitForFinalAsync(ids, TimeSpan.FromSeconds(90));
        output.WriteLine($"{ids.Count} acknowledged across a kill and a join");
        Assert.All(finals, n => Assert.Equal(NotificationState.Success, n.State));
        Assert.All(ids, id => Assert.True(receiver.CountFor(id) >= 1, $"{id} was acknowledged but never delivered"));
    }

    [Fact]
    public async Task After_a_full_cluster_outage_every_due_notification_is_attempted_once()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("restart");
        var settings = new Dictionary<string, string?> { ["Delivery:RetrySchedule"] = "2s", ["Delivery:RetryJitter"] = "0" };
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, attempt) => attempt == 1 ? 503 : 200;
        var ids = new List<string>();
        await using (var first = await NotificationCluster.StartAsync(database, silos: 2, settings))
        {
            await first.EndpointAsync("m-1", receiver);
            for (var i = 0; i < 40; i++)
            {
                ids.Add(await first.SubmitAsync($"outage-{i}", "m-1"));
            }
            await Eventually.HoldsAsync(() => ids.All(id => receiver.CountFor(id) >= 1), TimeSpan.FromSeconds(30), "every first attempt was made");
            await first.KillAllAsync();
        }
        var deliveredBefore = ids.Count(id => receiver.CountFor(id) >= 2);

        // Back after the retries fell due: each is attempted once more, not never and not once per missed tick.
        await using var second = await NotificationCluster.StartAsync(database, silos: 2, settings);
        var finals = await second.WaitForFinalAsync(ids, TimeSpan.FromSeconds(60));

        output.WriteLine($"{deliveredBefore} retries had run before the outage; the rest ran after the restart");
        Assert.All(finals, n => Assert.Equal(NotificationState.Success, n.State));
        Assert.All(ids, id => Assert.Equal(2, receiver.CountFor(id)));
    }

    [Fact]
    public async Task A_notification_waiting_beyond_the_active_horizon_holds_no_activation_and_is_woken_for_its_time()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("horizon");
        await using var cluster = await NotificationCluster.StartAsync(database, silos: 2, new Dictionary<string, string?>
        {
            ["Scheduling:ActiveHorizon"] = "3s",
            ["Scheduling:WakeAhead"] = "1s",
        });
        await using var receiver = await WebhookReceiver.StartAsync();
        await cluster.EndpointAsync("m-1", receiver);
        var sendAt = DateTimeOffset.UtcNow.AddSeconds(15);
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await cluster.SubmitAsync($"later-{i}", "m-1", sendAt));
        }

        // Long before their time they hold nothing in memory (the schedulers wake them a second ahead).
        await Eventually.HoldsAsync(async () => await ActivationsAsync(cluster, ids) == 0, TimeSpan.FromSeconds(10), "the waiting notifications let their activations go");
        Assert.Empty(receiver.Received);
        var finals = await cluster.WaitForFinalAsync(ids, TimeSpan.FromSeconds(60));

        Assert.All(finals, n => Assert.Equal(NotificationState.Success, n.State));
        Assert.All(finals, n => Assert.True(n.Attempts.Single().StartedAt >= sendAt, $"{n.Id} was attempted at {n.Attempts.Single().StartedAt:O}, before {sendAt:O}"));
    }

    [Fact]
    public async Task After_a_membership_change_an_activation_whose_state_another_writer_changed_sends_nothing()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("claim");
        await using var cluster = await NotificationCluster.StartAsync(database, silos: 1, new Dictionary<string, string?>
        {
            ["Delivery:RetrySchedule"] = "5s",
            ["Delivery:RetryJitter"] = "0",
            // Every attempt claims first, as in the half minute after a silo joins or dies.
            ["Scheduling:ClaimWindow"] = "10m",
        });
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, attempt) => attempt == 1 ? 503 : 200;
        await cluster.EndpointAsync("m-1", receiver);
        var id = await cluster.SubmitAsync("claimed", "m-1");
        await Eventually.HoldsAsync(() => receiver.CountFor(id) == 1, TimeSpan.FromSeconds(30), "the first attempt was made");
        await Eventually.HoldsAsync(async () => (await cluster.GetAsync(id))!.Attempts.Count == 1, TimeSpan.FromSeconds(30), "the first attempt was stored");

        // What a second activation would do: write the notification behind this one's back.
        var services = cluster.Silos[0].ServiceProvider;
        var storage = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Notifications);
        var state = new GrainState<NotificationRecord>(new NotificationRecord());
        await storage.ReadStateAsync(NotificationGrain.StateName, GrainId.Create("notification", id), state);
        state.State!.UpdatedAt = DateTimeOffset.UtcNow;
        await storage.WriteStateAsync(NotificationGrain.StateName, GrainId.Create("notification", id), state);
        var metrics = services.GetRequiredService<NotificationMetrics>();

        await Eventually.HoldsAsync(() => metrics.AttemptsYielded == 1, TimeSpan.FromSeconds(30), "the retry found its state changed and yielded");

        Assert.Equal(1, receiver.CountFor(id));
    }

    private static async Task<int> ActivationsOnAsync(NotificationCluster cluster, SiloAddress silo, IReadOnlyList<string> ids)
    {
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var stats = await management.GetDetailedGrainStatistics(hostsIds: [silo]);
        var wanted = ids.Select(id => GrainId.Create("notification", id)).ToHashSet();
        return stats.Count(s => wanted.Contains(s.GrainId));
    }

    private static async Task<int> ActivationsAsync(NotificationCluster cluster, IReadOnlyList<string> ids)
    {
        var active = await cluster.Client.GetGrain<IManagementGrain>(0).GetActiveGrains(GrainType.Create("notification"));
        return ids.Count(id => active.Contains(GrainId.Create("notification", id)));
    }
}
