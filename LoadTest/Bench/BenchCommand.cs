using System.Globalization;
using System.Text;
using PaymentNotifications.LoadTest.Cli;
using PaymentNotifications.LoadTest.Load;
using PaymentNotifications.LoadTest.Measure;
using Npgsql;

namespace PaymentNotifications.LoadTest.Bench;

/// <summary>One cluster size of the benchmark: the search, the hold, what the hold used, and the silos' RSS.</summary>
public sealed record BenchPhase(int Silos, SearchResult? Search, ResourceUsage? HoldUsage, IReadOnlyList<RssSample> Rss, string? Error, string? LogDirectory);

/// <summary>The long run at a steady rate whose silo RSS shows whether memory stays flat.</summary>
public sealed record MemoryRun(
    int Silos,
    double Rate,
    RunReport Report,
    IReadOnlyDictionary<string, long> RssStart,
    IReadOnlyDictionary<string, long> RssEnd,
    IReadOnlyDictionary<string, long> RssMax,
    IReadOnlyList<RssSample> Rss);

/// <summary>A target of the issue, what was measured against it, and whether it was met.</summary>
public sealed record TargetCheck(string Target, string Measured, bool Met);

/// <summary>Everything the benchmark measured.</summary>
public sealed record BenchReport(
    DateTimeOffset StartedAt,
    int Cores,
    int Concurrency,
    IReadOnlyDictionary<string, string> PostgresSettings,
    BaselineResult Baseline,
    IReadOnlyList<BenchPhase> Phases,
    MemoryRun? Memory,
    IReadOnlyList<TargetCheck> Targets);

/// <summary>
/// <c>bench</c>: on one machine and one PostgreSQL, the pgbench single-row INSERT baseline at the generator's
/// concurrency, then per cluster size a search for the highest sustainable rate and a hold at it, then optionally
/// a long run that shows whether silo memory stays flat; prints the figures against the targets.
/// </summary>
public static class BenchCommand
{
    public static async Task<int> ExecuteAsync(CommandArguments args, CancellationToken cancellationToken)
    {
        var postgres = args.Required("postgres", "the connection string of the benchmark's PostgreSQL database");
        var siloCounts = args.String("silos", "1,3").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new CommandLineException($"--silos: '{s}' is not a silo count.")).ToList();
        var baselineDuration = args.Duration("baseline-duration", TimeSpan.FromSeconds(30));
        var memoryDuration = args.Duration("memory-duration", TimeSpan.Zero);
        var memoryShare = args.Double("memory-share", 0.7);
        var rssInterval = args.Duration("rss-interval", TimeSpan.FromSeconds(5));
        var search = SearchCommand.Search(args);
        var template = CommonOptions.Run(args, "bench");
        var rigTemplate = CommonOptions.Rig(args) with { Postgres = postgres };
        var workloadTemplate = CommonOptions.Workload(args);
        var submitterKind = CommonOptions.Submitter(args);
        var pgbench = args.String("pgbench") ?? PgBenchBaseline.Find();
        var json = args.String("json");
        args.EnsureAllUsed();

        var log = Console.Out;
        var startedAt = DateTimeOffset.UtcNow;
        var settings = await PostgresSettingsAsync(postgres, cancellationToken);
        await log.WriteLineAsync("PostgreSQL: " + string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}")));
        var baseline = await PgBenchBaseline.RunAsync(postgres, template.Concurrency, baselineDuration, pgbench, log, cancellationToken);
        await log.WriteLineAsync($"-- baseline: {baseline.Tps:0} tps, latency average {baseline.LatencyAverageMs:0.00} ms");

        var phases = new List<BenchPhase>();
        MemoryRun? memory = null;
        foreach (var silos in siloCounts)
        {
            await log.WriteLineAsync($"== {silos} silo(s)");
            var (phase, phaseMemory) = await RunPhaseAsync(
                silos, rigTemplate with { StartSilos = silos }, workloadTemplate with { RunId = $"b{silos}-{Guid.NewGuid():N}"[..12] },
                template, search, submitterKind, postgres, rssInterval,
                memory is null ? memoryDuration : TimeSpan.Zero, memoryShare, log, cancellationToken);
            phases.Add(phase);
            memory ??= phaseMemory;
        }

        var report = new BenchReport(startedAt, Environment.ProcessorCount, template.Concurrency, settings, baseline, phases, memory, Targets(baseline, phases, memory));
        await log.WriteLineAsync(Summary(report));
        if (json is not null)
        {
            await ReportJson.WriteAsync(json, report, cancellationToken);
            await log.WriteLineAsync($"JSON written to {json}");
        }
        return 0;
    }

    private static async Task<(BenchPhase, MemoryRun?)> RunPhaseAsync(
        int silos, RigOptions rigOptions, WorkloadOptions workloadOptions, LoadRunOptions template, SearchOptions search, SubmitterKind submitterKind,
        string postgres, TimeSpan rssInterval, TimeSpan memoryDuration, double memoryShare, TextWriter log, CancellationToken cancellationToken)
    {
        var workload = new Workload(workloadOptions);
        LoadRig? rig = null;
        try
        {
            rig = await LoadRig.StartAsync(rigOptions, workload, log, cancellationToken);
            await using var sampler = new RssSampler(rig.Cluster!, rssInterval);
            using var submitter = rig.CreateSubmitter(submitterKind);
            var usage = new Dictionary<string, ResourceUsage>();
            ResourceSnapshot? before = null;
            var current = "";
            var runner = new LoadRunner(rig, workload, submitter, Console.Error)
            {
                SubmitWindow = async (opening, ct) =>
                {
                    var snapshot = await ResourceSnapshot.TakeAsync(rig.Cluster, postgres, ct);
                    if (opening)
                    {
                        before = snapshot;
                    }
                    else if (before is not null)
                    {
                        usage[current] = ResourceUsage.Between(before, snapshot, 0);
                    }
                },
            };
            async Task<RunReport> Step(LoadRunOptions options, CancellationToken ct)
            {
                current = options.Label;
                var report = await runner.RunAsync(options, ct);
                if (usage.TryGetValue(options.Label, out var used))
                {
                    // Per accepted notification: commits and WAL over the submit window.
                    usage[options.Label] = used with
                    {
                        CommitsPerAccepted = report.Accepted == 0 ? 0 : Math.Round(used.CommitsPerSecond * used.Seconds / report.Accepted, 2),
                        WalBytesPerAccepted = report.Accepted == 0 ? 0 : Math.Round(used.WalBytesPerSecond * used.Seconds / report.Accepted, 0),
                    };
                }
                return report;
            }

            var result = await new RateSearch(Step, log).RunAsync(search, template, cancellationToken);
            await log.WriteLineAsync(SearchCommand.StepsTable(result));
            await log.WriteLineAsync(result.Hold.ToTable());
            var holdUsage = usage.GetValueOrDefault(result.Hold.Label);
            if (holdUsage is not null)
            {
                await log.WriteLineAsync(UsageLine(holdUsage));
            }

            MemoryRun? memory = null;
            if (memoryDuration > TimeSpan.Zero)
            {
                var rate = Math.Max(1, Math.Round(result.Rate * memoryShare));
                await log.WriteLineAsync($"-- memory run: {rate:0}/s for {memoryDuration.TotalMinutes:0.#} min, silo RSS sampled every {rssInterval.TotalSeconds:0} s");
                var start = sampler.SampleNow().ToDictionary(s => s.SiloId, s => s.RssBytes);
                var from = DateTimeOffset.UtcNow;
                var report = await Step(template with { Mode = LoadMode.Open, Rate = rate, Duration = memoryDuration, Count = null, Label = "memory run" }, cancellationToken);
                var end = sampler.SampleNow().ToDictionary(s => s.SiloId, s => s.RssBytes);
                var during = sampler.Samples.Where(s => s.At >= from).ToList();
                var max = during.GroupBy(s => s.SiloId).ToDictionary(g => g.Key, g => g.Max(s => s.RssBytes));
                memory = new MemoryRun(silos, rate, report, start, end, max, during);
                await log.WriteLineAsync(report.ToTable());
                await log.WriteLineAsync("   silo RSS: " + RssLine(memory));
            }
            return (new BenchPhase(silos, result, holdUsage, sampler.Samples, null, rig.Cluster?.LogDirectory), memory);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await log.WriteLineAsync($"!! {silos} silo(s) failed: {e.GetType().Name}: {e.Message}");
            return (new BenchPhase(silos, null, null, [], $"{e.GetType().Name}: {e.Message}", rig?.Cluster?.LogDirectory), null);
        }
        finally
        {
            if (rig is not null)
            {
                await rig.DisposeAsync();
            }
        }
    }

    private static async Task<IReadOnlyDictionary<string, string>> PostgresSettingsAsync(string postgres, CancellationToken cancellationToken)
    {
        var names = new[] { "server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "commit_delay", "shared_buffers", "max_wal_size", "max_connections" };
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync(cancellationToken);
        foreach (var name in names)
        {
            await using var command = new NpgsqlCommand($"SHOW {name}", connection);
            settings[name] = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        return settings;
    }

    /// <summary>The issue's targets against the measured figures.</summary>
    public static IReadOnlyList<TargetCheck> Targets(BaselineResult baseline, IReadOnlyList<BenchPhase> phases, MemoryRun? memory)
    {
        var checks = new List<TargetCheck>();
        foreach (var phase in phases)
        {
            var name = $"{phase.Silos} silo(s)";
            if (phase.Search is not { } search)
            {
                checks.Add(new TargetCheck($"{name}: run", phase.Error ?? "failed", false));
                continue;
            }
            var hold = search.Hold;
            checks.Add(new TargetCheck($"{name}: >= 5,000 accepted/s sustained {hold.SubmitSeconds:0} s",
                $"{hold.AcceptedPerSecond:0}/s", hold.AcceptedPerSecond >= 5000));
            checks.Add(new TargetCheck($"{name}: accept p99 < 50 ms at that rate",
                $"{hold.AcceptLatency.P99:0.0} ms at {search.Rate:0}/s", hold.AcceptLatency.P99 < 50));
            checks.Add(new TargetCheck($"{name}: >= 3,000 webhooks/s delivered end to end",
                $"{hold.DeliveredPerSecond:0}/s (delivery p99 {hold.DeliveryLatency.P99:0} ms)", hold.DeliveredPerSecond >= 3000));
            var ratio = baseline.Tps > 0 ? hold.DeliveredPerSecond / baseline.Tps : 0;
            checks.Add(new TargetCheck($"{name}: delivered/s / baseline tps >= 1.0",
                $"{ratio:0.00} ({hold.DeliveredPerSecond:0} / {baseline.Tps:0})", ratio >= 1.0));
        }
        if (memory is not null)
        {
            var growth = memory.RssStart.Keys.Select(k => memory.RssEnd.TryGetValue(k, out var end) ? (double)end / memory.RssStart[k] - 1 : 0).DefaultIfEmpty(0).Max();
            checks.Add(new TargetCheck($"silo memory flat over {memory.Report.SubmitSeconds / 60:0.#} min (end within 10 % of start)",
                RssLine(memory), growth <= 0.10));
        }
        return checks;
    }

    public static string Summary(BenchReport report)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"===== Benchmark summary ({report.Cores} cores, generator concurrency {report.Concurrency}) =====");
        text.AppendLine("PostgreSQL: " + string.Join(", ", report.PostgresSettings.Select(s => $"{s.Key}={s.Value}")));
        text.AppendLine($"Baseline: pgbench -c {report.Baseline.Clients}, single-row INSERT into a notification-shaped table: {report.Baseline.Tps:0} tps (latency avg {report.Baseline.LatencyAverageMs:0.00} ms)");
        foreach (var phase in report.Phases)
        {
            if (phase.Search is not { } search)
            {
                text.AppendLine($"{phase.Silos} silo(s): FAILED - {phase.Error}");
                continue;
            }
            var hold = search.Hold;
            var rss = phase.Rss.GroupBy(s => s.SiloId).Select(g => $"{g.Key} {Mb(g.First().RssBytes)}->{Mb(g.Last().RssBytes)} MB").ToList();
            text.AppendLine(RunReport.Table(
            [
                ("silos", $"{phase.Silos} (held {search.Rate:0}/s for {hold.SubmitSeconds:0} s{(search.LatencyTargetMet ? "" : "; no rate met the p99 limit")})"),
                ("highest rate kept up with", KeptUp(search)),
                ("accepted/s", $"{hold.AcceptedPerSecond:0}"),
                ("delivered/s", $"{hold.DeliveredPerSecond:0} (backlog at end {hold.DeliveryBacklog})"),
                ("accept p99", $"{hold.AcceptLatency.P99:0.0} ms (p50 {hold.AcceptLatency.P50:0.0}, p99.9 {hold.AcceptLatency.P999:0.0}, max {hold.AcceptLatency.Max:0.0})"),
                ("delivery p99", $"{hold.DeliveryLatency.P99:0.0} ms (p50 {hold.DeliveryLatency.P50:0.0})"),
                ("time to SUCCESS p99", $"{hold.TimeToSuccess.P99:0.0} ms (sampled {hold.TimeToSuccess.Count})"),
                ("accepted/s / baseline", $"{hold.AcceptedPerSecond / report.Baseline.Tps:0.000}"),
                ("delivered/s / baseline", $"{hold.DeliveredPerSecond / report.Baseline.Tps:0.000}"),
                ("hold resources", phase.HoldUsage is { } u ? UsageLine(u) : "-"),
                ("silo RSS (phase)", string.Join(", ", rss)),
            ]));
        }
        if (report.Memory is { } memory)
        {
            text.AppendLine($"Memory run: {memory.Silos} silo(s) at {memory.Rate:0}/s for {memory.Report.SubmitSeconds / 60:0.#} min: {RssLine(memory)}");
        }
        text.AppendLine("Targets:");
        foreach (var check in report.Targets)
        {
            text.AppendLine($"  [{(check.Met ? "met" : "MISSED")}] {check.Target}: {check.Measured}");
        }
        return text.ToString();
    }

    /// <summary>The highest step rate whose throughput kept up, whatever its latency: the capacity, as opposed to the latency-bound rate held.</summary>
    private static string KeptUp(SearchResult search) =>
        search.Steps.Where(s => s.KeepsUp).MaxBy(s => s.Rate) is { } best
            ? $"{best.Rate:0}/s in a {best.Report.SubmitSeconds:0} s step (accepted {best.Report.AcceptedPerSecond:0}/s, accept p99 {best.Report.AcceptLatency.P99:0} ms, delivered {best.Report.DeliveredPerSecond:0}/s)"
            : "none of the steps";

    private static string UsageLine(ResourceUsage u) => string.Create(CultureInfo.InvariantCulture,
        $"cores busy: silos {u.SilosCores:0.00}, postgres {u.PostgresCores:0.00}, generator+receiver {u.GeneratorCores:0.00}, other processes {u.OtherCores:0.00} (load average {u.LoadAverage:0.0}); " +
        $"postgres {u.CommitsPerSecond:0} transactions/s ({u.CommitsPerAccepted:0.00} per accepted notification, reads and background included), {u.WalSyncsPerSecond:0} WAL syncs/s, {u.WalBytesPerAccepted:0} WAL bytes per accepted");

    private static string RssLine(MemoryRun memory) => string.Join(", ", memory.RssStart.Keys.Select(k =>
        $"{k} start {Mb(memory.RssStart[k])} MB, end {Mb(memory.RssEnd.GetValueOrDefault(k))} MB, max {Mb(memory.RssMax.GetValueOrDefault(k))} MB"));

    private static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture);
}
