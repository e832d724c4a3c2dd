using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Grains.Storage;

public sealed class SchemaMigrationTests
{
    private static SchemaMigrator Migrator(NpgsqlDataSource dataSource) => new(dataSource, NullLogger<SchemaMigrator>.Instance);

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task First_start_creates_the_notification_and_orleans_tables_and_a_second_changes_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("schema"));

        var first = await Migrator(dataSource).MigrateAsync(CancellationToken.None);
        var second = await Migrator(dataSource).MigrateAsync(CancellationToken.None);

        Assert.Equal(SchemaMigrator.Migrations.Select(m => m.Id), first);
        Assert.Empty(second);
        Assert.Equal(6, await ScalarAsync(dataSource, """
            SELECT count(*) FROM information_schema.tables WHERE table_name IN
                ('notifications', 'orleansquery', 'orleans_membership_version', 'orleans_membership', 'orleans_reminder', 'orleans_grain_state')
            """));
        Assert.Equal(first.Count, await ScalarAsync(dataSource, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Orleans_providers_find_every_statement_they_read()
    {
        await using var dataSource = NpgsqlDataSource.Create(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("schema"));
        await Migrator(dataSource).MigrateAsync(CancellationToken.None);

        // The keys Orleans' ADO.NET clustering, reminders and grain storage read (a missing one stops a silo at start).
        string[] keys =
        [
            "UpdateIAmAlivetimeKey", "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "GatewaysQueryKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey",
            "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey", "UpsertReminderRowKey",
            "DeleteReminderRowKey", "DeleteReminderRowsKey",
            "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey",
        ];
        await using var command = dataSource.CreateCommand("SELECT querykey FROM orleansquery");
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                present.Add(reader.GetString(0));
            }
        }
        Assert.All(keys, key => Assert.Contains(key, present));
    }

    [Fact]
    public async Task A_database_of_the_earlier_runtime_keeps_its_notifications_and_gets_their_buckets()
    {
        await using var dataSource = NpgsqlDataSource.Create(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("schema"));
        var id = PaymentNotifications.Grains.Interfaces.Notifications.NotificationId.For("t1", "k1");
        // The schema as the stand-in runtime left it: its version table with the first migration, one notification row.
        await using (var setUp = dataSource.CreateCommand($"""
            CREATE TABLE rt_schema_version (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE rt_silo (silo_id text PRIMARY KEY);
            {SchemaMigrator.Migrations[0].Sql}
            INSERT INTO rt_schema_version (id) VALUES ('{SchemaMigrator.Migrations[0].Id}');
            INSERT INTO notifications (id, tenant_id, idempotency_key, partition_id, type, channel, priority, state, attempt_count,
                created_at, updated_at, version, payload)
            VALUES ('{id}', 't1', 'k1', 3, 'charge.paid', 'webhook', 'normal', 'PENDING', 0, now(), now(), 1, jsonb_build_object());
            """))
        {
            await setUp.ExecuteNonQueryAsync();
        }

        var applied = await Migrator(dataSource).MigrateAsync(CancellationToken.None);

        Assert.DoesNotContain(SchemaMigrator.Migrations[0].Id, applied);
        Assert.Equal(PaymentNotifications.Grains.Interfaces.Notifications.NotificationId.BucketOf(id),
            await ScalarAsync(dataSource, $"SELECT bucket FROM notifications WHERE id = '{id}'"));
        Assert.Equal(0, await ScalarAsync(dataSource, "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('rt_silo', 'rt_schema_version')"));
    }

    [Fact]
    public async Task Silos_starting_together_apply_each_migration_once()
    {
        await using var dataSource = NpgsqlDataSource.Create(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("schema"));

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => Migrator(dataSource).MigrateAsync(CancellationToken.None))));

        Assert.Single(results, r => r.Count > 0);
        Assert.Equal(results.Sum(r => r.Count), await ScalarAsync(dataSource, "SELECT count(*) FROM schema_migrations"));
    }
}
