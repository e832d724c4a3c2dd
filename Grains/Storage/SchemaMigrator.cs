using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PaymentNotifications.Grains.Storage;

/// <summary>One schema change: an id and the SQL that makes it.</summary>
public sealed record SchemaMigration(string Id, string Sql);

/// <summary>
/// Applies the product's migrations (embedded <c>Storage/Migrations/*.sql</c>, in file-name order: the
/// notification tables and the tables and <c>OrleansQuery</c> statements of Orleans' ADO.NET clustering,
/// reminders and grain storage) under an advisory lock, so silos starting together apply each once.
/// Applied ids are recorded in <c>schema_migrations</c>.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    // Any constant shared by all silos; it names the migration lock in pg_locks.
    private const long MigrationLockKey = 0x4E6F746966;

    /// <summary>The migrations this build carries, in the order they apply.</summary>
    public static IReadOnlyList<SchemaMigration> Migrations { get; } = Load(typeof(SchemaMigrator).Assembly);

    /// <summary>Applies what is missing; returns the ids applied by this call.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                id         text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            -- Databases made before the table got its name keep their history.
            DO $$
            BEGIN
                IF to_regclass('rt_schema_version') IS NOT NULL THEN
                    INSERT INTO schema_migrations (id, applied_at) SELECT id, applied_at FROM rt_schema_version ON CONFLICT DO NOTHING;
                    DROP TABLE rt_schema_version;
                END IF;
            END $$;
            """, cancellationToken);

        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand("SELECT id FROM schema_migrations", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetString(0));
            }
        }

        var done = new List<string>();
        foreach (var migration in Migrations.Where(m => !applied.Contains(m.Id)))
        {
            logger.LogInformation("Applying schema migration {MigrationId}", migration.Id);
            await ExecuteAsync(connection, migration.Sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (id) VALUES ($1)", connection);
            record.Parameters.Add(new NpgsqlParameter { Value = migration.Id });
            await record.ExecuteNonQueryAsync(cancellationToken);
            done.Add(migration.Id);
        }
        await transaction.CommitAsync(cancellationToken);
        return done;
    }

    private static List<SchemaMigration> Load(Assembly assembly)
    {
        var migrations = new List<SchemaMigration>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            // Resource names end in "...Migrations.001_name.sql": the file name, under the component name ids always had.
            var file = name[(name.LastIndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
            migrations.Add(new SchemaMigration($"notifications/{file}", reader.ReadToEnd()));
        }
        return migrations;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
