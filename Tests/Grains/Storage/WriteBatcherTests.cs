using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Tests.Infrastructure;
using Npgsql;

namespace PaymentNotifications.Tests.Grains.Storage;

public sealed class WriteBatcherTests
{
    private static async Task<(NpgsqlDataSource DataSource, PostgresWriteBatcher Writes)> StartAsync(int concurrentBatches)
    {
        var dataSource = NpgsqlDataSource.Create(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("batcher"));
        await using (var create = dataSource.CreateCommand("CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }
        var writes = new PostgresWriteBatcher(dataSource, Options.Create(new PostgresStorageOptions { MaxConcurrentBatches = concurrentBatches }), NullLogger<PostgresWriteBatcher>.Instance);
        return (dataSource, writes);
    }

    private static NpgsqlBatchCommand Insert(int id)
    {
        var command = new NpgsqlBatchCommand("INSERT INTO t (id, v) VALUES (@id, 'x')");
        command.Parameters.AddWithValue("id", id);
        return command;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource)
    {
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM t");
        return (long)(await count.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Concurrent_writes_share_commits_and_each_gets_its_own_row_count()
    {
        var (dataSource, writes) = await StartAsync(concurrentBatches: 1);
        await using var _ = dataSource;
        await using var __ = writes;

        var counts = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Task.Run(() => writes.ExecuteAsync(Insert(i)))));
        var update = new NpgsqlBatchCommand("UPDATE t SET v = 'y' WHERE id = -1");

        Assert.All(counts, c => Assert.Equal(1, c));
        Assert.Equal(0, await writes.ExecuteAsync(update));
        Assert.Equal(500, await CountAsync(dataSource));
        Assert.True(writes.AverageBatchSize > 1.5, $"average batch {writes.AverageBatchSize:0.00}");
    }

    [Fact]
    public async Task A_failing_statement_fails_alone_and_the_rest_of_its_batch_commits()
    {
        var (dataSource, writes) = await StartAsync(concurrentBatches: 1);
        await using var _ = dataSource;
        await using var __ = writes;
        await writes.ExecuteAsync(Insert(7));

        var tasks = Enumerable.Range(0, 50).Select(i => writes.ExecuteAsync(Insert(i == 25 ? 7 : 100 + i))).ToList();
        var duplicate = tasks[25];
        tasks.RemoveAt(25);

        await Assert.ThrowsAsync<PostgresException>(() => duplicate);
        Assert.All(await Task.WhenAll(tasks), c => Assert.Equal(1, c));
        Assert.Equal(50, await CountAsync(dataSource));
    }
}
