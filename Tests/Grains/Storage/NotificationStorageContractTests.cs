using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Grains.Storage;

/// <summary>
/// The notification grain storage and its queries, the same contract on memory and on PostgreSQL: one writer wins,
/// a stale writer changes nothing, the idempotency key stays unique, and due notifications come back in order.
/// </summary>
public abstract class NotificationStorageContractTests
{
    protected abstract Task<(IGrainStorage Storage, INotificationQueries Queries)> CreateAsync();

    private static NotificationRecord Record(string tenant, string key, DateTimeOffset? next = null, NotificationState state = NotificationState.Pending) => new()
    {
        Id = NotificationId.For(tenant, key),
        TenantId = tenant,
        IdempotencyKey = key,
        Type = "charge.paid",
        Channel = Channel.Webhook,
        State = state,
        Recipient = new Recipient { MerchantId = "m-1" },
        NextAttemptAt = next,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };

    private static GrainId Id(NotificationRecord record) => GrainId.Create("notification", record.Id);

    private static async Task<GrainState<NotificationRecord>> ReadAsync(IGrainStorage storage, NotificationRecord record)
    {
        var state = new GrainState<NotificationRecord>(new NotificationRecord());
        await storage.ReadStateAsync(NotificationGrain.StateName, Id(record), state);
        return state;
    }

    [Fact]
    public async Task A_written_record_reads_back_with_its_version_and_a_missing_one_reads_as_absent()
    {
        var (storage, _) = await CreateAsync();
        var record = Record("t1", "k1", DateTimeOffset.UtcNow);
        var missing = await ReadAsync(storage, Record("t1", "never"));

        var state = new GrainState<NotificationRecord>(record);
        await storage.WriteStateAsync(NotificationGrain.StateName, Id(record), state);
        var read = await ReadAsync(storage, record);

        Assert.False(missing.RecordExists);
        Assert.Null(missing.ETag);
        Assert.True(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(record.Id, read.State!.Id);
        Assert.Equal(record.NextAttemptAt!.Value.ToUnixTimeMilliseconds(), read.State.NextAttemptAt!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task A_stale_writer_is_refused_and_changes_nothing()
    {
        var (storage, _) = await CreateAsync();
        var record = Record("t1", "k1", DateTimeOffset.UtcNow);
        await storage.WriteStateAsync(NotificationGrain.StateName, Id(record), new GrainState<NotificationRecord>(record));
        var winner = await ReadAsync(storage, record);
        var loser = await ReadAsync(storage, record);

        winner.State!.State = NotificationState.Success;
        await storage.WriteStateAsync(NotificationGrain.StateName, Id(record), winner);
        loser.State!.State = NotificationState.Failed;
        var refused = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(NotificationGrain.StateName, Id(record), loser));
        var stored = await ReadAsync(storage, record);

        Assert.Contains(record.Id, refused.Message);
        Assert.Equal(NotificationState.Success, stored.State!.State);
        Assert.Equal(winner.ETag, stored.ETag);
    }

    [Fact]
    public async Task Of_two_first_writes_racing_one_wins_and_the_other_is_a_conflict()
    {
        var (storage, _) = await CreateAsync();
        var record = Record("t1", "race");

        var writes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            try
            {
                await storage.WriteStateAsync(NotificationGrain.StateName, Id(record), new GrainState<NotificationRecord>(Record("t1", "race")));
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Equal(1, writes.Count(won => won));
        Assert.Equal("1", (await ReadAsync(storage, record)).ETag);
    }

    [Fact]
    public async Task The_idempotency_key_stays_unique_whatever_id_a_writer_claims()
    {
        var (storage, _) = await CreateAsync();
        var first = Record("t1", "k1");
        await storage.WriteStateAsync(NotificationGrain.StateName, Id(first), new GrainState<NotificationRecord>(first));
        var impostor = Record("t1", "k1");
        impostor.Id = NotificationId.For("t1", "another-key");

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            storage.WriteStateAsync(NotificationGrain.StateName, Id(impostor), new GrainState<NotificationRecord>(impostor)));
    }

    [Fact]
    public async Task Due_notifications_come_in_time_order_from_their_own_buckets_only_and_after_the_cursor()
    {
        var (storage, queries) = await CreateAsync();
        var now = DateTimeOffset.UtcNow;
        var records = Enumerable.Range(0, 60).Select(i => Record("t1", $"due-{i}", now.AddSeconds(i - 30))).ToList();
        records.Add(Record("t1", "done", now.AddSeconds(-100), NotificationState.Success));
        foreach (var record in records)
        {
            await storage.WriteStateAsync(NotificationGrain.StateName, Id(record), new GrainState<NotificationRecord>(record));
        }
        var lowerHalf = new BucketRange(0, NotificationId.BucketCount / 2);

        var firstPage = await queries.FindDueAsync(lowerHalf, after: null, now, limit: 5, CancellationToken.None);
        var rest = await queries.FindDueAsync(lowerHalf, firstPage[^1], now, limit: 1000, CancellationToken.None);

        var expected = records.Where(r => r.State == NotificationState.Pending && r.NextAttemptAt <= now && lowerHalf.Contains(NotificationId.BucketOf(r.Id)))
            .OrderBy(r => r.NextAttemptAt).Select(r => r.Id).ToList();
        Assert.True(expected.Count > 5, "too few records fell in the range for the test to mean anything");
        Assert.Equal(expected, firstPage.Concat(rest).Select(d => d.Id));
        Assert.All(firstPage.Concat(rest), d => Assert.True(d.DueAt <= now));
    }

    [Fact]
    public async Task A_finished_notification_is_no_longer_due()
    {
        var (storage, queries) = await CreateAsync();
        var record = Record("t1", "finishing", DateTimeOffset.UtcNow.AddSeconds(-1));
        var state = new GrainState<NotificationRecord>(record);
        await storage.WriteStateAsync(NotificationGrain.StateName, Id(record), state);
        var all = new BucketRange(0, NotificationId.BucketCount);
        var before = await queries.FindDueAsync(all, null, DateTimeOffset.UtcNow, 10, CancellationToken.None);

        state.State!.State = NotificationState.Success;
        state.State.NextAttemptAt = null;
        await storage.WriteStateAsync(NotificationGrain.StateName, Id(record), state);
        var after = await queries.FindDueAsync(all, null, DateTimeOffset.UtcNow, 10, CancellationToken.None);

        Assert.Equal(record.Id, Assert.Single(before).Id);
        Assert.Empty(after);
    }
}

public sealed class MemoryNotificationStorageContractTests : NotificationStorageContractTests
{
    protected override Task<(IGrainStorage Storage, INotificationQueries Queries)> CreateAsync()
    {
        var store = new MemoryNotificationStore();
        return Task.FromResult<(IGrainStorage, INotificationQueries)>((store, store));
    }
}

public sealed class PostgresNotificationStorageContractTests : NotificationStorageContractTests
{
    protected override async Task<(IGrainStorage Storage, INotificationQueries Queries)> CreateAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("store"));
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var store = new PostgresNotificationStore(dataSource,
            new PostgresWriteBatcher(dataSource, Options.Create(new PostgresStorageOptions()), NullLogger<PostgresWriteBatcher>.Instance));
        return (store, store);
    }
}
