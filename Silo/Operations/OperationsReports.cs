using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using PaymentNotifications.Api;
using PaymentNotifications.Grains.Interfaces.Operations;
using PaymentNotifications.Grains.Notifications;

namespace PaymentNotifications.Silo.Operations;

/// <summary>
/// Gathers the figures behind the operations routes: this process's own, the cluster's membership from
/// Orleans' management grain, every live silo's latest report (each silo publishes one to its
/// <see cref="ISiloReportGrain"/>), and the cluster-wide backlog from storage.
/// </summary>
public sealed class OperationsReports(
    IGrainFactory grains,
    SiloIdentity identity,
    NotificationMetrics metrics,
    TrafficRecorder traffic,
    BacklogSnapshot backlog,
    ProcessUsage usage,
    TimeProvider time,
    IOptions<OperationsOptions> options) : IOperationsReports
{
    private const string Delivered = "delivered";
    private static readonly HashSet<string> FailedOutcomes = new(StringComparer.Ordinal) { "retryable", "permanent", "unknown" };

    public async Task<SiloReport> ReadSiloAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var byType = new Dictionary<string, int>(StringComparer.Ordinal);
        if (identity.SiloAddress is { } self)
        {
            foreach (var statistic in await Management.GetSimpleGrainStatistics([self]))
            {
                var type = ShortTypeName(statistic.GrainType);
                byType[type] = byType.GetValueOrDefault(type) + statistic.ActivationCount;
            }
        }
        return new SiloReport(identity.Id, identity.Address, identity.StartedAt, Math.Max(0, (now - identity.StartedAt).TotalSeconds),
            byType.Values.Sum(), byType, usage.CpuPercent(), ProcessUsage.WorkingSetBytes, ProcessUsage.GcHeapBytes, Environment.ProcessorCount,
            new SiloReminders(metrics.AttemptsStarted, metrics.AttemptsFailedUnexpectedly, metrics.LastAttemptLateness.TotalSeconds),
            traffic.Read());
    }

    public async Task<ClusterReport> ReadClusterAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var members = await MembersAsync();
        var reports = await ReportsAsync(members);
        var silos = members.Select((m, i) =>
        {
            var report = reports[i];
            var startedAt = new DateTimeOffset(DateTime.SpecifyKind(m.StartTime, DateTimeKind.Utc));
            var heartbeat = new DateTimeOffset(DateTime.SpecifyKind(m.IAmAliveTime, DateTimeKind.Utc));
            return new ClusterSilo(m.SiloName, m.SiloAddress.ToString(), StatusOf(m.Status), startedAt, Math.Max(0, (now - startedAt).TotalSeconds),
                Math.Round(Math.Max(0, (now - heartbeat).TotalSeconds), 3), report?.Activations, report?.ActivationsByType, report?.CpuPercent,
                report?.MemoryBytes, report?.Reminders.LagSeconds, report is not null, m.SiloAddress.Equals(identity.SiloAddress));
        }).ToList();
        return new ClusterReport(identity.Id, now, silos);
    }

    public async Task<StatsReport> ReadStatsAsync(CancellationToken cancellationToken)
    {
        var members = (await MembersAsync()).Where(m => m.Status == SiloStatus.Active).ToList();
        var asked = ReportsAsync(members);
        var figures = await backlog.ReadAsync(cancellationToken);
        var reports = await asked;
        var now = time.GetUtcNow();
        var answered = reports.OfType<SiloReport>().ToList();

        var points = MergePoints(answered.SelectMany(r => r.Traffic.Points));
        var histograms = MergeHistograms(answered.SelectMany(r => r.Traffic.Histograms));
        var stats = figures.Notifications;
        var pending = stats.ByState.GetValueOrDefault("PENDING");
        var queue = new QueueFigures(stats.ByState, pending, stats.Overdue, stats.OldestPendingCreatedAt,
            stats.OldestPendingCreatedAt is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : null);
        var reminderFigures = new ClusterReminders(stats.Overdue, stats.OldestOverdueAt,
            stats.OldestOverdueAt is { } due ? Math.Max(0, (now - due).TotalSeconds) : 0,
            answered.Sum(r => r.Reminders.Fired), answered.Sum(r => r.Reminders.Failed),
            answered.Count == 0 ? 0 : answered.Max(r => r.Reminders.LagSeconds));

        var endToEnd = Combine(histograms.Where(h => h.Metric == "deliveryLatency").ToList(), "deliveryLatency", null, null);
        var latency = new LatencyFigures(
            FromSamples(figures.FirstAttemptSeconds),
            endToEnd is null ? new LatencyPercentiles(0, null, null, null) : FromHistogram(endToEnd),
            endToEnd is null ? null : Percentiles.ShareAtOrUnder(endToEnd.Bounds, endToEnd.Counts, 30),
            endToEnd);
        var window = answered.Count == 0 ? 0 : answered.Max(r => r.Traffic.WindowSeconds);
        return new StatsReport(now, options.Value.SampleInterval.TotalSeconds, window, queue, reminderFigures, points, latency,
            ProviderFigures(points, histograms),
            [.. members.Where((_, i) => reports[i] is not null).Select(m => m.SiloName)],
            [.. members.Where((_, i) => reports[i] is null).Select(m => m.SiloName)]);
    }

    private IManagementGrain Management => grains.GetGrain<IManagementGrain>(0);

    // Silos worth showing: live ones, and those gone within Operations:ForgetSilosAfter.
    private async Task<List<MembershipEntry>> MembersAsync()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return [.. (await Management.GetDetailedHosts(onlyActive: false))
            .Where(m => m.Status != SiloStatus.Dead || now - m.IAmAliveTime < options.Value.ForgetSilosAfter)
            .OrderBy(m => m.SiloName, StringComparer.Ordinal)];
    }

    // Each active silo's latest report, if it is recent (this silo's own, fresh); null for the others.
    private async Task<SiloReport?[]> ReportsAsync(IReadOnlyList<MembershipEntry> members) =>
        await Task.WhenAll(members.Select(async m =>
        {
            if (m.Status != SiloStatus.Active)
            {
                return null;
            }
            if (m.SiloAddress.Equals(identity.SiloAddress))
            {
                return await ReadSiloAsync(CancellationToken.None);
            }
            try
            {
                var report = await grains.GetGrain<ISiloReportGrain>(m.SiloAddress.ToParsableString()).Get();
                return report is not null && time.GetUtcNow() - report.StartedAt - TimeSpan.FromSeconds(report.UptimeSeconds) < options.Value.ReportStaleAfter
                    ? report
                    : null;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                return null;
            }
        }));

    private static string StatusOf(SiloStatus status) => status switch
    {
        SiloStatus.Created or SiloStatus.Joining => "joining",
        SiloStatus.Active => "active",
        SiloStatus.ShuttingDown => "shutting-down",
        SiloStatus.Stopping => "stopping",
        _ => "dead",
    };

    // "PaymentNotifications.Grains.Notifications.NotificationGrain,PaymentNotifications.Grains" -> "NotificationGrain".
    private static string ShortTypeName(string grainType)
    {
        var name = grainType.Split(',')[0];
        return name[(name.LastIndexOf('.') + 1)..];
    }

    private static List<TrafficPoint> MergePoints(IEnumerable<TrafficPoint> points) =>
        [.. points.GroupBy(p => p.T).OrderBy(g => g.Key).Select(g => new TrafficPoint(g.Key,
            [.. g.SelectMany(p => p.Accepted).GroupBy(c => c.Channel).Select(c => new ChannelCount(c.Key, c.Sum(x => x.Count)))],
            [.. g.SelectMany(p => p.Attempts).GroupBy(a => (a.Channel, a.Provider, a.Outcome))
                .Select(a => new AttemptCount(a.Key.Channel, a.Key.Provider, a.Key.Outcome, a.Sum(x => x.Count)))],
            [.. g.SelectMany(p => p.Completed).GroupBy(c => (c.Channel, c.State)).Select(c => new CompletionCount(c.Key.Channel, c.Key.State, c.Sum(x => x.Count)))]))];

    // Same metric, channel and provider summed over silos and outcomes.
    private static List<HistogramView> MergeHistograms(IEnumerable<HistogramView> histograms) =>
        [.. histograms.GroupBy(h => (h.Metric, h.Channel, h.Provider)).Select(g => Combine([.. g], g.Key.Metric, g.Key.Channel, g.Key.Provider)).OfType<HistogramView>()];

    private static HistogramView? Combine(IReadOnlyList<HistogramView> parts, string metric, string? channel, string? provider)
    {
        var usable = parts.Where(p => p.Bounds.SequenceEqual(parts[0].Bounds)).ToList();
        if (usable.Count == 0)
        {
            return null;
        }
        var counts = new long[usable[0].Counts.Count];
        foreach (var part in usable)
        {
            for (var i = 0; i < counts.Length && i < part.Counts.Count; i++)
            {
                counts[i] += part.Counts[i];
            }
        }
        return new HistogramView(metric, channel, provider, usable[0].Bounds, [.. counts], usable.Sum(p => p.Sum), usable.Sum(p => p.Count));
    }

    private static List<ProviderTraffic> ProviderFigures(IReadOnlyList<TrafficPoint> points, IReadOnlyList<HistogramView> histograms) =>
        [.. points.SelectMany(p => p.Attempts).GroupBy(a => (a.Provider, a.Channel)).OrderBy(g => g.Key.Channel).ThenBy(g => g.Key.Provider).Select(g =>
        {
            var delivered = (long)g.Where(a => a.Outcome == Delivered).Sum(a => a.Count);
            var failed = (long)g.Where(a => FailedOutcomes.Contains(a.Outcome)).Sum(a => a.Count);
            var duration = histograms.FirstOrDefault(h => h.Metric == "attemptDuration" && h.Provider == g.Key.Provider && h.Channel == g.Key.Channel);
            return new ProviderTraffic(g.Key.Provider, g.Key.Channel, (long)g.Sum(a => a.Count), delivered, failed,
                delivered + failed == 0 ? null : Math.Round((double)delivered / (delivered + failed), 4),
                Milliseconds(duration, 0.5), Milliseconds(duration, 0.95));
        })];

    private static double? Milliseconds(HistogramView? histogram, double quantile) =>
        histogram is null ? null : Percentiles.OfHistogram(histogram.Bounds, histogram.Counts, quantile) is { } seconds ? Math.Round(seconds * 1000, 1) : null;

    private static LatencyPercentiles FromSamples(IReadOnlyList<double> sorted) =>
        new(sorted.Count, Round(Percentiles.OfSamples(sorted, 0.5)), Round(Percentiles.OfSamples(sorted, 0.9)), Round(Percentiles.OfSamples(sorted, 0.99)));

    private static LatencyPercentiles FromHistogram(HistogramView h) =>
        new(h.Count, Round(Percentiles.OfHistogram(h.Bounds, h.Counts, 0.5)), Round(Percentiles.OfHistogram(h.Bounds, h.Counts, 0.9)),
            Round(Percentiles.OfHistogram(h.Bounds, h.Counts, 0.99)));

    private static double? Round(double? seconds) => seconds is { } s ? Math.Round(s, 4) : null;
}
