using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Reminders;
using PaymentNotifications.Runtime.Storage;
using PaymentNotifications.Runtime.Storage.Memory;
using PaymentNotifications.Runtime.Storage.Postgres;
using PaymentNotifications.Tests.Infrastructure;
using Npgsql;

namespace PaymentNotifications.Tests.Runtime;

/// <summary>One implementation of every storage interface, as the contract tests drive them.</summary>
public sealed record StorageBackend(
    IGrainStorage State,
    IReminderTable Reminders,
    IMembershipTable Membership,
    IPartitionLeaseTable Leases,
    PartitionMap Partitions);

public static class StorageBackends
{
    public const int PartitionCount = 8;

    public static PartitionMap Partitions { get; } = new(Options.Create(new ClusterOptions { PartitionCount = PartitionCount }));

    public static StorageBackend Memory()
    {
        var time = TimeProvider.System;
        var leases = new MemoryPartitionLeaseTable(time);
        return new StorageBackend(
            new MemoryGrainStorage(new RuntimeJson([]), leases),
            new MemoryReminderTable(),
            new MemoryMembershipTable(time),
            leases,
            Partitions);
    }

    public static async Task<StorageBackend> PostgresAsync()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync("contract");
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var writes = new PostgresWriteBatcher(dataSource, Options.Create(new WriteBatchOptions()), NullLogger<PostgresWriteBatcher>.Instance);
        await new SchemaMigrator(dataSource, [new EmbeddedSchemaMigrations(typeof(SchemaMigrator).Assembly, "runtime", 0)], NullLogger<SchemaMigrator>.Instance)
            .MigrateAsync(CancellationToken.None);
        return new StorageBackend(
            new PostgresGrainStorage(dataSource, new RuntimeJson([]), Partitions, writes),
            new PostgresReminderTable(dataSource, writes),
            new PostgresMembershipTable(dataSource),
            new PostgresPartitionLeaseTable(dataSource),
            Partitions);
    }
}
