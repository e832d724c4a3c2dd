using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.LoadTest.Cluster;
using PaymentNotifications.LoadTest.Load;
using PaymentNotifications.LoadTest.Measure;
using PaymentNotifications.LoadTest.Receiving;
using PaymentNotifications.Silo.Sandbox;

namespace PaymentNotifications.LoadTest.Soak;

/// <summary>Settings of a chaos soak.</summary>
public sealed record SoakOptions
{
    /// <summary>PostgreSQL connection string of the cluster's database. Required.</summary>
    public string Postgres { get; init; } = "";

    /// <summary>Silo processes. Default 3.</summary>
    public int Silos { get; init; } = 3;

    public string SiloDll { get; init; } = SiloClusterOptions.DefaultSiloDll();

    /// <summary>How long load runs. Default 10 min.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Steady load: new notifications per second. Default 100.</summary>
    public double Rate { get; init; } = 100;

    /// <summary>A random silo is killed (kill -9) this often; zero for no kills. Default 60 s.</summary>
    public TimeSpan KillEvery { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a killed silo stays down before it is started again. Default 3 s.</summary>
    public TimeSpan RestartAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Share of provider and receiver requests answered with an error. Default 0.1.</summary>
    public double FaultRate { get; init; } = 0.1;

    /// <summary>The provider fully down for a while: "webhook" (the hosted receiver) or a sandbox provider (twilio, sendgrid, fcm...). Default webhook.</summary>
    public string DownProvider { get; init; } = "webhook";

    /// <summary>When the provider goes down, from the start of the load. Default 4 min.</summary>
    public TimeSpan DownAt { get; init; } = TimeSpan.FromMinutes(4);

    /// <summary>How long it stays down. Default 2 min.</summary>
    public TimeSpan DownFor { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>After the load, how long to wait for PENDING notifications to settle before stopping the cluster. Default 3 min.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Channel mix of the load. Default webhooks only.</summary>
    public ChannelMix Mix { get; init; } = ChannelMix.WebhooksOnly;

    /// <summary>Merchants the webhooks go to. Default 16.</summary>
    public int Merchants { get; init; } = 16;

    /// <summary>Time one submit try may take before the client gives up on it and retries. Default 10 s.</summary>
    public TimeSpan ClientAttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a client keeps retrying one notification with the same key. Default 3 min.</summary>
    public TimeSpan ClientGiveUpAfter { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>After a killed silo is ready again, how long submits may still fail (takeover settling). Default 15 s.</summary>
    public TimeSpan KillWindowSettle { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Host the sandbox SMS/e-mail/push providers and point the silos at them. Default true.</summary>
    public bool Sandbox { get; init; } = true;

    /// <summary>Extra silo configuration (keys with ':'), e.g. Delivery:RetrySchedule.</summary>
    public IReadOnlyDictionary<string, string?> SiloSettings { get; init; } = new Dictionary<string, string?>();

    public string? LogDirectory { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Problems with these settings; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Postgres)) problems.Add("--postgres is required");
        if (Silos < 1) problems.Add("--silos must be at least 1");
        if (Rate <= 0) problems.Add("--rate must be above 0");
        if (Duration <= TimeSpan.Zero) problems.Add("--duration must be above 0");
        if (FaultRate is < 0 or > 1) problems.Add("--fault-rate must be between 0 and 1");
        if (DownProvider != "webhook" && DownProvider != "none" && !SandboxEndpoints.Providers.Contains(DownProvider))
        {
            problems.Add($"--down-provider must be webhook, none or one of {string.Join(", ", SandboxEndpoints.Providers)}");
        }
        if (SandboxEndpoints.Providers.Contains(DownProvider) && !Sandbox)
        {
            problems.Add("--down-provider names a sandbox provider, but the sandbox is off (--no-sandbox)");
        }
        return problems;
    }
}

/// <summary>What a soak did and what the checker found.</summary>
public sealed record SoakReport(
    int Silos,
    double Rate,
    double LoadSeconds,
    long Submitted,
    long Acknowledged,
    long GaveUp,
    long Tries,
    LatencySummary TryLatency,
    IReadOnlyList<SiloEvent> Events,
    IReadOnlyList<KillWindow> KillWindows,
    string DownProvider,
    DateTimeOffset? DownFrom,
    DateTimeOffset? DownTo,
    long PendingAtStop,
    InvariantReport Invariants,
    IReadOnlyDictionary<string, string> StuckSchedules,
    string LogDirectory)
{
    public bool Passed => Invariants.Passed;

    public string ToText()
    {
        var i = Invariants;
        var text = new StringBuilder();
        var kills = Events.Count(e => e.Kind == SiloEventKind.Killed);
        text.AppendLine($"Soak: {Silos} silo(s), {Rate:0}/s for {LoadSeconds:0} s, {kills} kill -9, {DownProvider} down {DownFrom:HH:mm:ss}-{DownTo:HH:mm:ss}");
        text.AppendLine($"  submitted {Submitted}, acknowledged {Acknowledged}, gave up {GaveUp}, {Tries} tries (try latency {RunReport.Format(TryLatency)})");
        text.AppendLine(RunReport.Table(
        [
            ("accepted notifications", $"{i.Accepted}"),
            ("  in a terminal state", $"{i.TerminalTotal} ({RunReport.Join(i.Terminal)})"),
            ("  still PENDING, next retry within its schedule", $"{i.PendingWithinSchedule}"),
            ("  lost or stuck (must be 0)", $"{i.LostOrStuck} (lost {i.Lost}, stuck {i.Stuck})"),
            ("  created but never acknowledged", $"{i.CreatedWithoutAcknowledgement} (client gave up; judged like the rest)"),
            ("delivered more than once", $"{i.DeliveredMoreThanOnce} notifications, {i.ExtraDeliveries} extra deliveries"),
            ("  explained by an unknown outcome", $"{i.ExplainedByUnknownOutcome}"),
            ("  explained by a silo killed mid-attempt", $"{i.ExplainedByInterruption}"),
            ("  unexplained (must be 0)", $"{i.UnexplainedDuplicates}"),
            ("deliveries not accounted for", $"{i.UnrecordedDeliveries}"),
            ("SUCCESS never seen by a receiver (must be 0)", $"{i.SuccessNotSeen}"),
            ("5xx outside kill windows (must be 0)", $"{i.ServerErrorsOutsideKillWindows} (inside: {i.ServerErrorsInsideKillWindows})"),
            ("no answer outside / inside kill windows", $"{i.NoAnswerOutsideKillWindows} / {i.NoAnswerInsideKillWindows}"),
            ("PENDING when the cluster stopped", $"{PendingAtStop}"),
        ]));
        foreach (var example in i.Examples)
        {
            text.AppendLine("  ! " + example);
        }
        foreach (var id in i.StuckIds.Take(20))
        {
            text.AppendLine($"  ! stuck {id}: {StuckSchedules.GetValueOrDefault(id, "no next attempt")}");
        }
        text.AppendLine(Passed ? "INVARIANTS HOLD" : "INVARIANTS VIOLATED");
        return text.ToString();
    }
}

/// <summary>
/// The chaos soak: steady load with client retries (same key) against N silo processes while a random silo is
/// killed with SIGKILL every so often and restarted, providers fail at random and one is down for a while; then the
/// cluster is drained and stopped and the invariant checker reads PostgreSQL and the receivers' records.
/// </summary>
public sealed class SoakRunner(TextWriter log, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public async Task<SoakReport> RunAsync(SoakOptions options, CancellationToken cancellationToken)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
        var workload = new Workload(new WorkloadOptions { Mix = options.Mix, Merchants = options.Merchants, Seed = options.Seed });
        var settings = new Dictionary<string, string?>(options.SiloSettings, StringComparer.OrdinalIgnoreCase);
        var rigOptions = new RigOptions
        {
            StartSilos = options.Silos,
            Postgres = options.Postgres,
            SiloDll = options.SiloDll,
            SiloSettings = settings,
            LogDirectory = options.LogDirectory,
            KeepAllArrivals = true,
            Sandbox = options.Sandbox,
            SandboxSeed = options.Seed,
            RequestTimeout = options.ClientAttemptTimeout,
            MaxConnections = 512,
        };
        await using var rig = await LoadRig.StartAsync(rigOptions, workload, log, cancellationToken);
        var cluster = rig.Cluster!;
        var tenantId = rig.TenantId!;
        using var submitter = rig.CreateSubmitter(SubmitterKind.Http);
        var random = new Random(options.Seed);

        SetRandomFaults(rig, options.FaultRate);
        var loadStart = _time.GetUtcNow();
        await log.WriteLineAsync($"Soak {workload.Options.RunId}: {options.Silos} silo(s), {options.Rate:0}/s for {options.Duration.TotalSeconds:0} s, " +
                                 $"kill -9 every {options.KillEvery.TotalSeconds:0} s, {options.FaultRate:P0} provider faults, {options.DownProvider} down at {options.DownAt.TotalSeconds:0} s for {options.DownFor.TotalSeconds:0} s");

        using var loadDone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var downWindow = new DownWindow();
        var chaos = ChaosAsync(cluster, options, random, loadDone.Token);
        var outage = OutageAsync(rig, options, downWindow, loadDone.Token);
        var state = new LoadState();
        var progress = ProgressAsync(rig, state, loadDone.Token);
        await LoadAsync(rig, workload, submitter, tenantId, options, state, cancellationToken);
        var loadSeconds = (_time.GetUtcNow() - loadStart).TotalSeconds;
        await loadDone.CancelAsync();
        await Task.WhenAll(chaos, outage, progress);
        SetRandomFaults(rig, 0);
        SetDown(rig, options.DownProvider, false);
        await EnsureAllRunningAsync(cluster, cancellationToken);

        var pending = await DrainAsync(options, tenantId, cancellationToken);
        await log.WriteLineAsync("Stopping the cluster (graceful) before the check");
        await cluster.StopAsync(TimeSpan.FromSeconds(30));
        var stoppedAt = _time.GetUtcNow();
        rig.PollSandbox();

        var events = cluster.Events;
        var windows = KillWindows(events, options.KillWindowSettle, stoppedAt);
        var interruptions = events.Where(e => e.Kind is SiloEventKind.Killed or SiloEventKind.Stopped)
            .Select(e => new Interruption(e.At, e.SiloId, e.Kind == SiloEventKind.Killed ? "kill -9" : "stop")).ToList();
        var rows = await NotificationRows.ReadAsync(options.Postgres, tenantId,
            channel => channel == Channel.Webhook || options.Sandbox, cancellationToken);
        var arrivals = rig.Arrivals.ById.ToDictionary(a => a.Key, a => a.Value.All, StringComparer.Ordinal);
        var invariants = InvariantChecker.Check(state.Acknowledged, rows, arrivals, interruptions, windows, state.Tries.ToList(), Checker(options, stoppedAt));
        var stuckSchedules = await NotificationRows.ReadSchedulesAsync(options.Postgres, invariants.StuckIds, cancellationToken);
        return new SoakReport(options.Silos, options.Rate, Math.Round(loadSeconds, 1), state.Submitted, state.Acknowledged.Count, state.GaveUp, state.Tries.Count,
            state.TryLatency.Summarize(), events, windows, options.DownProvider, downWindow.From, downWindow.To, pending, invariants, stuckSchedules, cluster.LogDirectory);
    }

    /// <summary>The checker's tolerances from the silos' delivery and cluster settings.</summary>
    public static CheckerSettings Checker(SoakOptions options, DateTimeOffset stoppedAt)
    {
        var setting = (string key, string fallback) => options.SiloSettings.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : fallback;
        var attemptTimeout = DurationText.Parse(setting("Delivery:AttemptTimeout", "15s"));
        var maxAttempts = int.Parse(setting("Delivery:MaxAttempts", RetrySchedule.DefaultMaxAttempts.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var jitter = double.Parse(setting("Delivery:RetryJitter", RetrySchedule.DefaultJitter.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var delays = options.SiloSettings.TryGetValue("Delivery:RetrySchedule", out var schedule) && !string.IsNullOrEmpty(schedule)
            ? RetrySchedule.ParseDelays(schedule)
            : RetrySchedule.DefaultDelays;
        // A killed silo is declared dead after its missed probes (Orleans:Membership:ProbeTimeout x NumMissedProbesLimit) and the votes.
        var probeTimeout = DurationText.Parse(setting("Orleans:Membership:ProbeTimeout", "00:00:01"));
        var missedProbes = int.Parse(setting("Orleans:Membership:NumMissedProbesLimit", "2"), CultureInfo.InvariantCulture);
        var deathTimeout = probeTimeout * (missedProbes + 1) + TimeSpan.FromSeconds(5);
        // Providers here send Retry-After of at most a few seconds; the cap is not reached.
        var longest = TimeSpan.FromTicks((long)(delays.Max().Ticks * (1 + jitter))) + TimeSpan.FromSeconds(5);
        return new CheckerSettings
        {
            AttemptTimeout = attemptTimeout,
            MaxAttempts = maxAttempts,
            LongestRetryDelay = longest,
            // A PENDING notification may be this far past due: an attempt cut short by a kill is woken on a survivor
            // once the silo is declared dead and the schedulers rescan (a poll or two).
            OverdueTolerance = attemptTimeout + deathTimeout + TimeSpan.FromSeconds(15),
            ClusterStoppedAt = stoppedAt,
        };
    }

    /// <summary>From each kill until the silo is ready again plus the settling time (to the end when it never was).</summary>
    public static IReadOnlyList<KillWindow> KillWindows(IReadOnlyList<SiloEvent> events, TimeSpan settle, DateTimeOffset end) =>
        events.Where(e => e.Kind == SiloEventKind.Killed).Select(kill =>
        {
            var ready = events.FirstOrDefault(e => e.SiloId == kill.SiloId && e.Kind == SiloEventKind.Ready && e.At > kill.At);
            return new KillWindow(kill.At, ready is null ? end : ready.At + settle, kill.SiloId);
        }).ToList();

    private async Task LoadAsync(LoadRig rig, Workload workload, ISubmitter submitter, string tenantId, SoakOptions options, LoadState state, CancellationToken cancellationToken)
    {
        var schedule = new RateSchedule(options.Rate);
        var total = schedule.CountWithin(options.Duration);
        var start = _time.GetTimestamp();
        var inFlight = new SemaphoreSlim(20_000);
        var logical = new List<Task>();
        long index = 0;
        while (index < total)
        {
            var due = Math.Min(schedule.DueBy(_time.GetElapsedTime(start)), total);
            for (; index < due; index++)
            {
                await inFlight.WaitAsync(cancellationToken);
                var request = workload.Next();
                logical.Add(SubmitWithRetriesAsync(rig, submitter, tenantId, request, options, state, inFlight, cancellationToken));
            }
            await Task.Delay(TimeSpan.FromMilliseconds(5), _time, cancellationToken);
        }
        await Task.WhenAll(logical);
    }

    private async Task SubmitWithRetriesAsync(
        LoadRig rig, ISubmitter submitter, string tenantId, PlannedRequest request, SoakOptions options, LoadState state, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        try
        {
            Interlocked.Increment(ref state.SubmittedCount);
            var id = NotificationId.For(tenantId, request.IdempotencyKey);
            var firstSent = _time.GetUtcNow();
            // Noted before the first try, so a delivery can be matched even when no answer ever comes.
            rig.Submissions.Note(request, id, firstSent);
            for (var attempt = 1; ; attempt++)
            {
                var started = _time.GetUtcNow();
                var answer = await submitter.SubmitAsync(request, cancellationToken);
                var ended = _time.GetUtcNow();
                state.Tries.Enqueue(new SubmitTry(request.IdempotencyKey, started, ended, answer.Status, answer.Error));
                if (answer.Accepted)
                {
                    state.TryLatency.Record(ended - started);
                    state.Acknowledged[answer.NotificationId ?? id] = request.IdempotencyKey;
                    return;
                }
                if (!answer.Retryable || ended - firstSent > options.ClientGiveUpAfter)
                {
                    Interlocked.Increment(ref state.GaveUpCount);
                    return;
                }
                var backoff = Math.Min(2000, 100 * Math.Pow(2, Math.Min(attempt, 5)));
                await Task.Delay(TimeSpan.FromMilliseconds(backoff * (0.5 + Random.Shared.NextDouble() / 2)), _time, cancellationToken);
            }
        }
        finally
        {
            inFlight.Release();
        }
    }

    private async Task ChaosAsync(SiloCluster cluster, SoakOptions options, Random random, CancellationToken loadDone)
    {
        if (options.KillEvery <= TimeSpan.Zero)
        {
            return;
        }
        try
        {
            while (true)
            {
                await Task.Delay(options.KillEvery, _time, loadDone);
                var running = cluster.Silos.Where(s => s.IsRunning).ToList();
                if (running.Count == 0)
                {
                    continue;
                }
                var victim = running[random.Next(running.Count)];
                await log.WriteLineAsync($"[{_time.GetUtcNow():HH:mm:ss}] kill -9 {victim.SiloId} (pid {victim.ProcessId})");
                await cluster.KillAsync(victim);
                await Task.Delay(options.RestartAfter, _time, CancellationToken.None);
                await cluster.RestartAsync(victim, CancellationToken.None);
                await log.WriteLineAsync($"[{_time.GetUtcNow():HH:mm:ss}] {victim.SiloId} restarted and ready");
            }
        }
        catch (OperationCanceledException) when (loadDone.IsCancellationRequested)
        {
            // Load is over.
        }
    }

    private async Task OutageAsync(LoadRig rig, SoakOptions options, DownWindow window, CancellationToken loadDone)
    {
        if (options.DownProvider == "none" || options.DownFor <= TimeSpan.Zero)
        {
            return;
        }
        try
        {
            await Task.Delay(options.DownAt, _time, loadDone);
            window.From = _time.GetUtcNow();
            SetDown(rig, options.DownProvider, true);
            await log.WriteLineAsync($"[{window.From:HH:mm:ss}] {options.DownProvider} is down");
            await Task.Delay(options.DownFor, _time, loadDone);
        }
        catch (OperationCanceledException) when (loadDone.IsCancellationRequested)
        {
            // Load is over: the outage ends with it.
        }
        if (window.From is not null)
        {
            SetDown(rig, options.DownProvider, false);
            window.To = _time.GetUtcNow();
            await log.WriteLineAsync($"[{window.To:HH:mm:ss}] {options.DownProvider} is back");
        }
    }

    private async Task ProgressAsync(LoadRig rig, LoadState state, CancellationToken loadDone)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), _time, loadDone);
                rig.PollSandbox();
                var tries = state.Tries.ToArray();
                await log.WriteLineAsync($"[{_time.GetUtcNow():HH:mm:ss}] submitted {state.Submitted} acknowledged {state.Acknowledged.Count} " +
                                         $"tries {tries.Length} (5xx {tries.Count(t => t.Status >= 500)}, no answer {tries.Count(t => t.Status == 0)}) " +
                                         $"delivered {rig.Arrivals.UniqueDelivered} refused {rig.Arrivals.Refusals}");
            }
        }
        catch (OperationCanceledException)
        {
            // Load is over.
        }
    }

    private async Task<long> DrainAsync(SoakOptions options, string tenantId, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        long pending = 0;
        while (true)
        {
            (pending, var due) = await NotificationRows.CountPendingAsync(options.Postgres, tenantId, _time.GetUtcNow(), cancellationToken);
            if (pending == 0 || _time.GetElapsedTime(started) >= options.Drain)
            {
                await log.WriteLineAsync($"[{_time.GetUtcNow():HH:mm:ss}] drain over: {pending} PENDING ({due} due now)");
                return pending;
            }
            await Task.Delay(TimeSpan.FromSeconds(2), _time, cancellationToken);
        }
    }

    private static async Task EnsureAllRunningAsync(SiloCluster cluster, CancellationToken cancellationToken)
    {
        foreach (var silo in cluster.Silos.Where(s => !s.IsRunning))
        {
            await cluster.RestartAsync(silo, cancellationToken);
        }
    }

    private static void SetRandomFaults(LoadRig rig, double rate)
    {
        if (rig.Receiver is not null)
        {
            rig.Receiver.Faults.ErrorRate = rate;
        }
        if (rig.Sandbox is not null)
        {
            foreach (var provider in SandboxTap.Providers)
            {
                rig.Sandbox.Faults.Set(provider, rig.Sandbox.Faults.Get(provider) with { ErrorRate = rate });
            }
        }
    }

    private static void SetDown(LoadRig rig, string provider, bool down)
    {
        if (provider == "webhook")
        {
            if (rig.Receiver is not null)
            {
                rig.Receiver.Faults.Down = down;
            }
        }
        else if (provider != "none" && rig.Sandbox is not null)
        {
            rig.Sandbox.Faults.Set(provider, rig.Sandbox.Faults.Get(provider) with { Down = down });
        }
    }

    private sealed class DownWindow
    {
        public DateTimeOffset? From { get; set; }
        public DateTimeOffset? To { get; set; }
    }

    private sealed class LoadState
    {
        public long SubmittedCount;
        public long GaveUpCount;

        public long Submitted => Interlocked.Read(ref SubmittedCount);
        public long GaveUp => Interlocked.Read(ref GaveUpCount);
        public ConcurrentDictionary<string, string> Acknowledged { get; } = new(StringComparer.Ordinal);
        public ConcurrentQueue<SubmitTry> Tries { get; } = new();
        public LatencyHistogram TryLatency { get; } = new();
    }
}
