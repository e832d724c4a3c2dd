using System.Collections.Concurrent;
using System.Diagnostics;
using PaymentNotifications.LoadTest.Cluster;
using Npgsql;

namespace PaymentNotifications.LoadTest.Bench;

/// <summary>One reading of a silo's resident memory.</summary>
public sealed record RssSample(DateTimeOffset At, string SiloId, long RssBytes);

/// <summary>Samples the silo processes' RSS from /proc at a fixed interval while a phase runs.</summary>
public sealed class RssSampler : IAsyncDisposable
{
    private readonly SiloCluster _cluster;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<RssSample> _samples = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RssSampler(SiloCluster cluster, TimeSpan interval, TimeProvider? time = null)
    {
        _cluster = cluster;
        _interval = interval;
        _time = time ?? TimeProvider.System;
        _loop = LoopAsync();
    }

    public IReadOnlyList<RssSample> Samples => _samples.ToList();

    /// <summary>Reads every silo now and keeps the readings.</summary>
    public IReadOnlyList<RssSample> SampleNow()
    {
        var at = _time.GetUtcNow();
        var taken = _cluster.Rss().Select(r => new RssSample(at, r.Key, r.Value)).ToList();
        foreach (var sample in taken)
        {
            _samples.Enqueue(sample);
        }
        return taken;
    }

    private async Task LoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                SampleNow();
                await Task.Delay(_interval, _time, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>CPU time used by the silos, the generator and PostgreSQL, and PostgreSQL's commit and WAL counters, at one moment.</summary>
public sealed record ResourceSnapshot(
    long Timestamp,
    TimeSpan SilosCpu,
    TimeSpan GeneratorCpu,
    TimeSpan PostgresCpu,
    TimeSpan MachineBusy,
    double LoadAverage,
    long Commits,
    long WalRecords,
    long WalBytes,
    long WalSyncs)
{
    public static async Task<ResourceSnapshot> TakeAsync(SiloCluster? cluster, string? postgres, CancellationToken cancellationToken)
    {
        long commits = 0, walRecords = 0, walBytes = 0, walSyncs = 0;
        var postgresCpu = TimeSpan.Zero;
        if (postgres is not null)
        {
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync(cancellationToken);
            // Only this server's processes: other PostgreSQL servers may run on the machine.
            await using (var directory = new NpgsqlCommand("SHOW data_directory", connection))
            {
                var pidFile = Path.Combine((string)(await directory.ExecuteScalarAsync(cancellationToken))!, "postmaster.pid");
                if (File.Exists(pidFile) && int.TryParse((await File.ReadAllLinesAsync(pidFile, cancellationToken))[0], out var postmaster))
                {
                    postgresCpu = ProcessStats.CpuTimeOfTree(postmaster);
                }
            }
            await using (var command = new NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", connection))
            {
                commits = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            }
            try
            {
                await using var wal = new NpgsqlCommand("SELECT wal_records, wal_bytes::bigint, wal_sync FROM pg_stat_wal", connection);
                await using var reader = await wal.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    walRecords = reader.GetInt64(0);
                    walBytes = reader.GetInt64(1);
                    walSyncs = reader.GetInt64(2);
                }
            }
            catch (PostgresException)
            {
                // pg_stat_wal exists from PostgreSQL 14.
            }
        }
        using var self = Process.GetCurrentProcess();
        return new ResourceSnapshot(
            Stopwatch.GetTimestamp(),
            cluster?.CpuTime() ?? TimeSpan.Zero,
            self.TotalProcessorTime,
            postgresCpu,
            ProcessStats.MachineBusyTime() ?? TimeSpan.Zero,
            ProcessStats.LoadAverage() ?? 0,
            commits,
            walRecords,
            walBytes,
            walSyncs);
    }
}

/// <summary>
/// What a step used: cores busy per component, cores busy with everything else on the machine (other processes
/// compete for the same cores), the load average, and PostgreSQL's work per accepted notification.
/// </summary>
public sealed record ResourceUsage(
    double Seconds,
    double SilosCores,
    double GeneratorCores,
    double PostgresCores,
    double OtherCores,
    double LoadAverage,
    double CommitsPerSecond,
    double WalSyncsPerSecond,
    double WalBytesPerSecond,
    double CommitsPerAccepted,
    double WalBytesPerAccepted)
{
    public static ResourceUsage Between(ResourceSnapshot before, ResourceSnapshot after, long accepted)
    {
        var seconds = Math.Max(Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds, 0.001);
        var commits = after.Commits - before.Commits;
        var walBytes = after.WalBytes - before.WalBytes;
        var silos = (after.SilosCpu - before.SilosCpu).TotalSeconds / seconds;
        var generator = (after.GeneratorCpu - before.GeneratorCpu).TotalSeconds / seconds;
        var postgres = (after.PostgresCpu - before.PostgresCpu).TotalSeconds / seconds;
        var machine = (after.MachineBusy - before.MachineBusy).TotalSeconds / seconds;
        return new ResourceUsage(
            Math.Round(seconds, 1),
            Math.Round(silos, 2),
            Math.Round(generator, 2),
            Math.Round(postgres, 2),
            Math.Round(Math.Max(0, machine - silos - generator - postgres), 2),
            Math.Max(before.LoadAverage, after.LoadAverage),
            Math.Round(commits / seconds, 0),
            Math.Round((after.WalSyncs - before.WalSyncs) / seconds, 0),
            Math.Round(walBytes / seconds, 0),
            accepted == 0 ? 0 : Math.Round((double)commits / accepted, 2),
            accepted == 0 ? 0 : Math.Round((double)walBytes / accepted, 0));
    }
}
