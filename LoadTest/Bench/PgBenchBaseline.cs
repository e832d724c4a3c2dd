using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace PaymentNotifications.LoadTest.Bench;

/// <summary>What pgbench measured.</summary>
public sealed record BaselineResult(int Clients, double Seconds, double Tps, double LatencyAverageMs, long Transactions, string Output);

/// <summary>
/// The baseline the product is compared with: pgbench running single-row INSERT transactions into a table shaped
/// like a notification row (same columns, keys and indexes, a payload of the same size) on the same server.
/// </summary>
public static partial class PgBenchBaseline
{
    public const string Table = "baseline_notifications";

    /// <summary>The notifications table's shape, under another name so the product's table is not touched.</summary>
    public const string CreateTable = $"""
        DROP TABLE IF EXISTS {Table};
        CREATE TABLE {Table} (
            id              text PRIMARY KEY,
            tenant_id       text NOT NULL,
            idempotency_key text NOT NULL,
            partition_id    int NOT NULL,
            type            text NOT NULL,
            channel         text NOT NULL,
            priority        text NOT NULL,
            state           text NOT NULL,
            user_id         text NULL,
            merchant_id     text NULL,
            attempt_count   int NOT NULL,
            next_attempt_at timestamptz NULL,
            created_at      timestamptz NOT NULL,
            updated_at      timestamptz NOT NULL,
            completed_at    timestamptz NULL,
            version         bigint NOT NULL,
            payload         jsonb NOT NULL,
            UNIQUE (tenant_id, idempotency_key)
        );
        CREATE INDEX ON {Table} (tenant_id, created_at DESC, id DESC);
        CREATE INDEX ON {Table} (tenant_id, state, created_at DESC, id DESC);
        CREATE INDEX ON {Table} (tenant_id, user_id, created_at DESC, id DESC) WHERE user_id IS NOT NULL;
        CREATE INDEX ON {Table} (partition_id, next_attempt_at) WHERE state = 'PENDING';
        CREATE INDEX ON {Table} (completed_at DESC, id DESC) WHERE state = 'FAILED';
        CREATE INDEX ON {Table} (created_at DESC, id DESC);
        """;

    /// <summary>The pgbench script: one INSERT of a fresh PENDING row per transaction (autocommit).</summary>
    public const string Script = $$"""
        \set seq random(1, 2000000000)
        INSERT INTO {{Table}} (id, tenant_id, idempotency_key, partition_id, type, channel, priority, state, user_id, merchant_id, attempt_count, next_attempt_at, created_at, updated_at, completed_at, version, payload) VALUES ('ntf_' || md5(:client_id || '-' || :seq || '-' || clock_timestamp()), 'tenant-baseline', :client_id || '-' || :seq || '-' || clock_timestamp(), :seq % 256, 'charge.paid', 'webhook', 'normal', 'PENDING', NULL, 'm-' || (:seq % 64), 0, now(), now(), now(), NULL, 1, jsonb_build_object('schemaVersion', 1, 'id', 'ntf_0123456789abcdef0123456789abcdef', 'tenantId', 'tenant-baseline', 'idempotencyKey', 'key-' || :seq, 'requestHash', md5(:seq::text) || md5(:client_id::text), 'type', 'charge.paid', 'channel', 'webhook', 'priority', 'normal', 'state', 'PENDING', 'recipient', jsonb_build_object('merchantId', 'm-1'), 'data', jsonb_build_object('chargeId', 'ch_' || :seq, 'amount', 1500, 'currency', 'BRL'), 'attempts', '[]'::jsonb, 'budgetStart', 0, 'nextAttemptAt', now(), 'createdAt', now(), 'updatedAt', now()));
        """;

    /// <summary>Creates the table and runs pgbench with <paramref name="clients"/> connections for <paramref name="duration"/>.</summary>
    public static async Task<BaselineResult> RunAsync(string connectionString, int clients, TimeSpan duration, string pgbench, TextWriter log, CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand(CreateTable, connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        var scriptPath = Path.Combine(Path.GetTempPath(), $"baseline-insert-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(scriptPath, Script, cancellationToken);
        try
        {
            var target = new NpgsqlConnectionStringBuilder(connectionString);
            var start = new ProcessStartInfo(pgbench)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "-n", "-M", "prepared", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
                "-T", ((int)Math.Max(1, duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture), "-P", "10", "-f", scriptPath,
                "-h", target.Host ?? "127.0.0.1", "-p", target.Port.ToString(CultureInfo.InvariantCulture), "-U", target.Username ?? "postgres", target.Database ?? "postgres",
            })
            {
                start.ArgumentList.Add(arg);
            }
            if (!string.IsNullOrEmpty(target.Password))
            {
                start.Environment["PGPASSWORD"] = target.Password;
            }
            await log.WriteLineAsync($"-- baseline: pgbench -c {clients} -T {duration.TotalSeconds:0} single-row INSERT into {Table}");
            using var process = Process.Start(start) ?? throw new InvalidOperationException("pgbench did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var output = await stdout + await stderr;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {output}");
            }
            return Parse(output, clients, duration);
        }
        finally
        {
            File.Delete(scriptPath);
        }
    }

    /// <summary>Reads tps, average latency and the transaction count from pgbench's report.</summary>
    public static BaselineResult Parse(string output, int clients, TimeSpan duration)
    {
        var tps = TpsLine().Match(output);
        if (!tps.Success)
        {
            throw new FormatException("pgbench printed no tps line: " + output);
        }
        var latency = LatencyLine().Match(output);
        var transactions = TransactionsLine().Match(output);
        return new BaselineResult(
            clients,
            duration.TotalSeconds,
            double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
            latency.Success ? double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            transactions.Success ? long.Parse(transactions.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            output.Trim());
    }

    /// <summary>Where pgbench is: on PATH, else next to the server binaries.</summary>
    public static string Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                     .Concat(Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")) : []))
        {
            var candidate = Path.Combine(dir, "pgbench");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("pgbench was not found; install PostgreSQL's client tools (apt-get install -y postgresql-client).");
    }

    [GeneratedRegex(@"^tps = ([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"^latency average = ([0-9.]+) ms", RegexOptions.Multiline)]
    private static partial Regex LatencyLine();

    [GeneratedRegex(@"^number of transactions actually processed: ([0-9]+)", RegexOptions.Multiline)]
    private static partial Regex TransactionsLine();
}
