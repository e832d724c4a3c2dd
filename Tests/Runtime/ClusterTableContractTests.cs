using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Membership;

namespace PaymentNotifications.Tests.Runtime;

/// <summary>The reminder, membership and partition-lease table contracts, run against every implementation.</summary>
public abstract class ClusterTableContractTests
{
    protected abstract Task<StorageBackend> CreateAsync();

    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Reminder_upsert_changes_the_version_and_reads_back()
    {
        var backend = await CreateAsync();
        var id = new GrainId("probe", "r1");
        var first = await backend.Reminders.UpsertAsync(id, "tick", 3, T0, TimeSpan.FromSeconds(5), CancellationToken.None);
        var second = await backend.Reminders.UpsertAsync(id, "tick", 3, T0.AddSeconds(10), null, CancellationToken.None);

        Assert.NotEqual(first.Version, second.Version);
        var read = await backend.Reminders.ReadAsync(id, "tick", CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(T0.AddSeconds(10), read.DueAt);
        Assert.Null(read.Period);
        Assert.Equal(second.Version, read.Version);
    }

    [Fact]
    public async Task Due_reminders_are_read_only_for_the_given_partitions_and_times()
    {
        var backend = await CreateAsync();
        await backend.Reminders.UpsertAsync(new GrainId("probe", "a"), "x", 1, T0, null, CancellationToken.None);
        await backend.Reminders.UpsertAsync(new GrainId("probe", "b"), "x", 2, T0.AddSeconds(-5), null, CancellationToken.None);
        await backend.Reminders.UpsertAsync(new GrainId("probe", "c"), "x", 1, T0.AddMinutes(1), null, CancellationToken.None);
        await backend.Reminders.UpsertAsync(new GrainId("probe", "d"), "x", 5, T0.AddSeconds(-10), null, CancellationToken.None);

        var due = await backend.Reminders.ReadDueAsync([1, 2], T0, 100, CancellationToken.None);

        Assert.Equal(["b", "a"], due.Select(r => r.GrainId.Key));
        var (count, oldest) = await backend.Reminders.ReadBacklogAsync(T0, CancellationToken.None);
        Assert.Equal(3, count);
        Assert.Equal(T0.AddSeconds(-10), oldest);
    }

    [Fact]
    public async Task Reschedule_and_remove_apply_only_at_the_expected_version()
    {
        var backend = await CreateAsync();
        var id = new GrainId("probe", "cas");
        var entry = await backend.Reminders.UpsertAsync(id, "retry", 0, T0, null, CancellationToken.None);
        var moved = await backend.Reminders.UpsertAsync(id, "retry", 0, T0.AddMinutes(5), null, CancellationToken.None);

        Assert.False(await backend.Reminders.RescheduleAsync(id, "retry", entry.Version, T0.AddHours(1), CancellationToken.None));
        Assert.False(await backend.Reminders.RemoveAsync(id, "retry", entry.Version, CancellationToken.None));
        Assert.Equal(T0.AddMinutes(5), (await backend.Reminders.ReadAsync(id, "retry", CancellationToken.None))!.DueAt);

        Assert.True(await backend.Reminders.RescheduleAsync(id, "retry", moved.Version, T0.AddHours(1), CancellationToken.None));
        var current = await backend.Reminders.ReadAsync(id, "retry", CancellationToken.None);
        Assert.Equal(T0.AddHours(1), current!.DueAt);
        Assert.True(await backend.Reminders.RemoveAsync(id, "retry", current.Version, CancellationToken.None));
        Assert.Null(await backend.Reminders.ReadAsync(id, "retry", CancellationToken.None));
        Assert.Empty(await backend.Reminders.ReadForGrainAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Held_lease_cannot_be_taken_until_released_and_each_takeover_raises_the_epoch()
    {
        var backend = await CreateAsync();
        await backend.Leases.EnsurePartitionsAsync(4, CancellationToken.None);
        await backend.Leases.EnsurePartitionsAsync(4, CancellationToken.None);

        var a = await backend.Leases.TryAcquireAsync("a", [0, 1], TimeSpan.FromMinutes(1), CancellationToken.None);
        var b = await backend.Leases.TryAcquireAsync("b", [1, 2], TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal([0, 1], a.Select(l => l.Partition).Order());
        Assert.Equal([2], b.Select(l => l.Partition));
        var rows = await backend.Leases.ReadAllAsync(CancellationToken.None);
        Assert.Equal(4, rows.Count);
        Assert.Equal("a", rows.Single(r => r.Partition == 1).Owner);

        var lease1 = a.Single(l => l.Partition == 1);
        await backend.Leases.ReleaseAsync("a", [lease1], CancellationToken.None);
        var taken = await backend.Leases.TryAcquireAsync("b", [1], TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(lease1.Epoch + 1, Assert.Single(taken).Epoch);

        // "a" renewing its old epoch of partition 1 gets nothing; partition 0 still renews.
        var renewed = await backend.Leases.RenewAsync("a", a, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal([0], renewed.Select(l => l.Partition));
    }

    [Fact]
    public async Task Expired_lease_can_be_taken_over()
    {
        var backend = await CreateAsync();
        await backend.Leases.EnsurePartitionsAsync(2, CancellationToken.None);
        var old = Assert.Single(await backend.Leases.TryAcquireAsync("a", [0], TimeSpan.FromMilliseconds(20), CancellationToken.None));
        await Task.Delay(100);

        var rows = await backend.Leases.ReadAllAsync(CancellationToken.None);
        Assert.True(rows.Single(r => r.Partition == 0).Expired);
        var taken = Assert.Single(await backend.Leases.TryAcquireAsync("b", [0], TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(old.Epoch + 1, taken.Epoch);
    }

    [Fact]
    public async Task Silos_register_heartbeat_and_leave()
    {
        var backend = await CreateAsync();
        await backend.Membership.RegisterAsync("s1", "http://127.0.0.1:1", T0, CancellationToken.None);
        await backend.Membership.RegisterAsync("s2", "http://127.0.0.1:2", T0, CancellationToken.None);
        await backend.Membership.HeartbeatAsync("s1", CancellationToken.None);
        await backend.Membership.SetStatusAsync("s2", SiloStatus.Stopped, CancellationToken.None);

        var silos = await backend.Membership.ReadAllAsync(CancellationToken.None);

        Assert.Equal(["s1", "s2"], silos.Select(s => s.SiloId));
        Assert.True(silos[0].IsAlive(TimeSpan.FromSeconds(5)));
        Assert.Equal("http://127.0.0.1:1", silos[0].Address);
        Assert.False(silos[1].IsAlive(TimeSpan.FromSeconds(5)));
        Assert.Equal(SiloStatus.Stopped, silos[1].Status);
        Assert.False(silos[0].IsAlive(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public async Task Only_silos_silent_for_longer_than_the_retention_are_removed()
    {
        var backend = await CreateAsync();
        await backend.Membership.RegisterAsync("gone", "http://127.0.0.1:1", T0, CancellationToken.None);
        await backend.Membership.RegisterAsync("live", "http://127.0.0.1:2", T0, CancellationToken.None);
        await Task.Delay(1500);
        await backend.Membership.HeartbeatAsync("live", CancellationToken.None);

        var removed = await backend.Membership.RemoveDefunctAsync(TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal(1, removed);
        Assert.Equal(["live"], (await backend.Membership.ReadAllAsync(CancellationToken.None)).Select(s => s.SiloId));
        Assert.Equal(0, await backend.Membership.RemoveDefunctAsync(TimeSpan.FromSeconds(1), CancellationToken.None));
    }
}

public sealed class MemoryClusterTableTests : ClusterTableContractTests
{
    protected override Task<StorageBackend> CreateAsync() => Task.FromResult(StorageBackends.Memory());
}

public sealed class PostgresClusterTableTests : ClusterTableContractTests
{
    protected override Task<StorageBackend> CreateAsync() => StorageBackends.PostgresAsync();
}
