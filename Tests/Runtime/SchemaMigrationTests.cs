using Microsoft.Extensions.Logging.Abstractions;
using PaymentNotifications.Runtime.Storage.Postgres;
using PaymentNotifications.Tests.Infrastructure;
using Npgsql;

namespace PaymentNotifications.Tests.Runtime;

public sealed class SchemaMigrationTests
{
    private static SchemaMigrator Migrator(NpgsqlDataSource dataSource) =>
        new(dataSource, [new EmbeddedSchemaMigrations(typeof(SchemaMigrator).Assembly, "runtime", 0)], NullLogger<SchemaMigrator>.Instance);

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task First_start_creates_the_schema_and_a_second_changes_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("schema"));

        var first = await Migrator(dataSource).MigrateAsync(CancellationToken.None);
        var second = await Migrator(dataSource).MigrateAsync(CancellationToken.None);

        Assert.Contains("runtime/001_runtime.sql", first);
        Assert.Empty(second);
        Assert.Equal(4, await ScalarAsync(dataSource,
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('rt_silo','rt_partition_lease','rt_grain_state','rt_reminder')"));
        Assert.Equal(first.Count, await ScalarAsync(dataSource, "SELECT count(*) FROM rt_schema_version"));
    }

    [Fact]
    public async Task Silos_starting_together_apply_each_migration_once()
    {
        await using var dataSource = NpgsqlDataSource.Create(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("schema"));

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => Migrator(dataSource).MigrateAsync(CancellationToken.None))));

        Assert.Single(results, r => r.Count > 0);
        Assert.Equal(results.Sum(r => r.Count), await ScalarAsync(dataSource, "SELECT count(*) FROM rt_schema_version"));
    }
}
