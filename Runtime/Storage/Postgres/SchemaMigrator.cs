using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PaymentNotifications.Runtime.Storage.Postgres;

/// <summary>One schema change: an id unique across components and the SQL that makes it.</summary>
public sealed record SchemaMigration(string Id, string Sql);

/// <summary>A component's ordered schema migrations.</summary>
public interface ISchemaMigrationSource
{
    /// <summary>Sources apply in ascending order of this value (the runtime's own tables come first).</summary>
    int Order { get; }

    IEnumerable<SchemaMigration> GetMigrations();
}

/// <summary>Migrations kept as embedded .sql resources of an assembly, applied in file-name order.</summary>
public sealed class EmbeddedSchemaMigrations(Assembly assembly, string component, int order) : ISchemaMigrationSource
{
    public int Order { get; } = order;

    public IEnumerable<SchemaMigration> GetMigrations()
    {
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            // Resource names end in "...Migrations.001_name.sql": keep the file name as the id.
            var file = name[(name.LastIndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
            yield return new SchemaMigration($"{component}/{file}", reader.ReadToEnd());
        }
    }
}

/// <summary>
/// Applies pending migrations at start-up under an advisory lock, so silos starting together
/// apply each migration once; applied ids are recorded in rt_schema_version.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, IEnumerable<ISchemaMigrationSource> sources, ILogger<SchemaMigrator> logger)
{
    // Any constant shared by all silos; it names the migration lock in pg_locks.
    private const long MigrationLockKey = 0x4E6F746966;

    /// <summary>Applies what is missing; returns the ids applied by this call.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS rt_schema_version (
                id         text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, cancellationToken);

        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand("SELECT id FROM rt_schema_version", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetString(0));
            }
        }

        var done = new List<string>();
        foreach (var migration in sources.OrderBy(s => s.Order).SelectMany(s => s.GetMigrations()))
        {
            if (applied.Contains(migration.Id))
            {
                continue;
            }
            logger.LogInformation("Applying schema migration {MigrationId}", migration.Id);
            await ExecuteAsync(connection, migration.Sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO rt_schema_version (id) VALUES ($1)", connection);
            record.Parameters.Add(new NpgsqlParameter { Value = migration.Id });
            await record.ExecuteNonQueryAsync(cancellationToken);
            done.Add(migration.Id);
        }
        await transaction.CommitAsync(cancellationToken);
        return done;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
