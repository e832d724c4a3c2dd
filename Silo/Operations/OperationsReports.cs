using Microsoft.Extensions.Options;
using PaymentNotifications.Api;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Reminders;

namespace PaymentNotifications.Silo.Operations;

/// <summary>
/// Gathers the figures behind the operations routes: this silo's own, the other live silos' (asked
/// over HTTP), and the cluster-wide backlog from storage.
/// </summary>
public sealed class OperationsReports(
    Runtime.Hosting.Silo silo,
    LeaseManager leases,
    PartitionOwnership ownership,
    PartitionMap partitions,
    Catalog catalog,
    ReminderService reminders,
    TrafficRecorder traffic,
    BacklogSnapshot backlog,
    ProcessUsage usage,
    SiloPeers peers,
    TimeProvider time,
    IOptions<ClusterOptions> cluster,
    IOptions<OperationsOptions> options) : IOperationsReports
{
    private const string Delivered = "delivered";
    private static readonly HashSet<string> FailedOutcomes = new(StringComparer.Ordinal) { "retryable", "permanent", "unknown" };

    public SiloReport ReadSilo()
    {
        var now = time.GetUtcNow();
        return new SiloReport(silo.SiloId, silo.Address, silo.StartedAt, Math.Max(0, (now - silo.StartedAt).TotalSeconds),
            ownership.ValidPartitions.Count, catalog.Count, catalog.CountByType(), usage.CpuPercent(), ProcessUsage.WorkingSetBytes,
            ProcessUsage.GcHeapBytes, Environment.ProcessorCount, new SiloReminders(reminders.Fired, reminders.Failed, reminders.Lag.TotalSeconds),
            traffic.Read());
    }

    public async Task<ClusterReport> ReadClusterAsync(string? authorization, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var members = Members();
        var reports = await AskAllAsync(members, authorization, cancellationToken);
        var owners = ownership.Owners;
        var owned = owners.Values.GroupBy(o => o.SiloId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var silos = members.Select((m, i) =>
        {
            var report = reports[i];
            var self = m.SiloId == silo.SiloId;
            return new ClusterSilo(m.SiloId, m.Address, StatusOf(m), m.StartedAt, Math.Max(0, (now - m.StartedAt).TotalSeconds),
                Math.Round(m.HeartbeatAge.TotalSeconds, 3), self ? ownership.ValidPartitions.Count : owned.GetValueOrDefault(m.SiloId),
                report?.Activations, report?.ActivationsByType, report?.CpuPercent, report?.MemoryBytes, report?.Reminders.LagSeconds,
                report is not null, self);
        }).ToList();
        var map = Enumerable.Range(0, partitions.Count).Select(p => new PartitionOwnerView(p, owners.GetValueOrDefault(p)?.SiloId)).ToList();
        return new ClusterReport(silo.SiloId, partitions.Count, map.Count(p => p.Owner is null), now, silos, map);
    }

    public async Task<StatsReport> ReadStatsAsync(string? authorization, CancellationToken cancellationToken)
    {
        var members = Members().Where(m => m.SiloId == silo.SiloId || m.IsAlive(cluster.Value.SiloDeathTimeout)).ToList();
        var asked = AskAllAsync(members, authorization, cancellationToken);
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
        var reminderFigures = new ClusterReminders(figures.RemindersDue, figures.OldestReminderDueAt,
            figures.OldestReminderDueAt is { } due ? Math.Max(0, (now - due).TotalSeconds) : 0,
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
            [.. members.Where((_, i) => reports[i] is not null).Select(m => m.SiloId)],
            [.. members.Where((_, i) => reports[i] is null).Select(m => m.SiloId)]);
    }

    // Members worth showing: this silo, live ones, and recently stopped or dead ones.
    private List<SiloRecord> Members()
    {
        var members = leases.Silos
            .Where(s => s.SiloId == silo.SiloId || s.IsAlive(cluster.Value.SiloDeathTimeout) || s.HeartbeatAge < options.Value.ForgetSilosAfter)
            .OrderBy(s => s.SiloId, StringComparer.Ordinal)
            .ToList();
        if (!members.Any(s => s.SiloId == silo.SiloId))
        {
            // Before the first membership read, or in a process that routes calls without joining.
            members.Insert(0, new SiloRecord(silo.SiloId, silo.Address, silo.StartedAt, time.GetUtcNow(), SiloStatus.Active, TimeSpan.Zero));
        }
        return members;
    }

    private async Task<SiloReport?[]> AskAllAsync(IReadOnlyList<SiloRecord> members, string? authorization, CancellationToken cancellationToken) =>
        await Task.WhenAll(members.Select(m =>
            m.SiloId == silo.SiloId ? Task.FromResult<SiloReport?>(ReadSilo())
            : m.IsAlive(cluster.Value.SiloDeathTimeout) ? peers.AskAsync(m.Address, authorization, cancellationToken)
            : Task.FromResult<SiloReport?>(null)));

    private string StatusOf(SiloRecord silo) => silo.Status switch
    {
        SiloStatus.Active when !silo.IsAlive(cluster.Value.SiloDeathTimeout) => "dead",
        SiloStatus.Active => "active",
        SiloStatus.ShuttingDown => "shutting-down",
        _ => "stopped",
    };

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
        return new HistogramView(metric, channel, provider, usable[0].Bounds, counts, usable.Sum(p => p.Sum), usable.Sum(p => p.Count));
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
