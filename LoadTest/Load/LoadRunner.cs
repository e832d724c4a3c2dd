using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.LoadTest.Measure;

namespace PaymentNotifications.LoadTest.Load;

/// <summary>
/// Runs one load run against a rig: sends the workload open-loop or closed-loop, prints a progress line, waits for
/// the deliveries to arrive, reads a sample back for time to SUCCESS, and reports.
/// </summary>
public sealed class LoadRunner(LoadRig rig, Workload workload, ISubmitter submitter, TextWriter progress, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Called as the submit window opens and as it closes (before the drain), e.g. to read CPU counters.</summary>
    public Func<bool, CancellationToken, Task>? SubmitWindow { get; init; }

    public async Task<RunReport> RunAsync(LoadRunOptions options, CancellationToken cancellationToken)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
        if (SubmitWindow is not null)
        {
            await SubmitWindow(true, cancellationToken);
        }
        var metrics = new RunMetrics(_time, options.Duration ?? TimeSpan.FromHours(1));
        var run = new RunState(metrics, _time.GetUtcNow(), _time.GetTimestamp());
        using var progressStop = new CancellationTokenSource();
        var progressTask = ProgressAsync(options, run, progressStop.Token);
        try
        {
            if (options.Mode == LoadMode.Open)
            {
                await RunOpenAsync(options, run, cancellationToken);
            }
            else
            {
                await RunClosedAsync(options, run, cancellationToken);
            }
            run.SubmitEnded = _time.GetElapsedTime(run.StartTimestamp);
            run.SubmitEndedAt = _time.GetUtcNow();
            if (SubmitWindow is not null)
            {
                await SubmitWindow(false, cancellationToken);
            }
            await DrainAsync(options, run, cancellationToken);
        }
        finally
        {
            await progressStop.CancelAsync();
            await progressTask;
        }
        return await ReportAsync(options, run, cancellationToken);
    }

    private async Task RunOpenAsync(LoadRunOptions options, RunState run, CancellationToken cancellationToken)
    {
        var schedule = new RateSchedule(options.Rate, options.Count);
        var total = options.Duration is { } duration ? schedule.CountWithin(duration) : options.Count ?? long.MaxValue;
        var slots = new SemaphoreSlim(options.Concurrency, options.Concurrency);
        long index = 0;
        while (index < total && !cancellationToken.IsCancellationRequested)
        {
            var due = Math.Min(schedule.DueBy(_time.GetElapsedTime(run.StartTimestamp)), total);
            while (index < due)
            {
                var dueAt = schedule.DueAt(index);
                if (!slots.Wait(0, CancellationToken.None))
                {
                    run.Metrics.CapReached();
                    await slots.WaitAsync(cancellationToken);
                }
                var late = _time.GetElapsedTime(run.StartTimestamp) - dueAt;
                var intended = run.StartTimestamp + (long)(dueAt.Ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);
                _ = SendAsync(workload.Next(), intended, late, run, slots, cancellationToken);
                index++;
            }
            var wait = schedule.DueAt(index) - _time.GetElapsedTime(run.StartTimestamp);
            // Sleeping at least 1 ms sends in small batches at high rates instead of spinning a core the server needs.
            await Task.Delay(TimeSpan.FromTicks(Math.Clamp(wait.Ticks, TimeSpan.TicksPerMillisecond, 50 * TimeSpan.TicksPerMillisecond)), _time, cancellationToken);
        }
        for (var i = 0; i < options.Concurrency; i++)
        {
            await slots.WaitAsync(CancellationToken.None);
        }
    }

    private async Task RunClosedAsync(LoadRunOptions options, RunState run, CancellationToken cancellationToken)
    {
        long claimed = 0;
        var limit = options.Count ?? long.MaxValue;
        var duration = options.EffectiveDuration;
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            await Task.Yield();
            while (!cancellationToken.IsCancellationRequested
                   && _time.GetElapsedTime(run.StartTimestamp) < duration
                   && Interlocked.Increment(ref claimed) <= limit)
            {
                await SendAsync(workload.Next(), _time.GetTimestamp(), TimeSpan.Zero, run, null, cancellationToken);
            }
        }));
    }

    private async Task SendAsync(PlannedRequest request, long intendedTimestamp, TimeSpan late, RunState run, SemaphoreSlim? slots, CancellationToken cancellationToken)
    {
        try
        {
            run.Metrics.Sending(late);
            var sentAt = _time.GetUtcNow();
            var answer = await submitter.SubmitAsync(request, cancellationToken);
            var latency = _time.GetElapsedTime(intendedTimestamp);
            var expectedId = rig.TenantId is { } tenant ? NotificationId.For(tenant, request.IdempotencyKey) : null;
            run.Metrics.Answered(request, answer, latency, expectedId);
            if (answer.Accepted && answer.NotificationId is { } id && request.Kind == RequestKind.New)
            {
                workload.Accepted(request);
                rig.Submissions.Note(request, id, sentAt);
                run.Accepted.Enqueue(id);
                if (IsObservable(request.Channel))
                {
                    run.Observable.Enqueue(id);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run was cancelled.
        }
        catch (Exception e)
        {
            run.Metrics.Unexpect($"generator error {e.GetType().Name}");
        }
        finally
        {
            slots?.Release();
        }
    }

    /// <summary>Whether this run can see a channel's deliveries arrive (hosted receiver or hosted sandbox).</summary>
    private bool IsObservable(Channel channel) =>
        channel == Channel.Webhook ? rig.Receiver is not null : rig.Sandbox is not null;

    private async Task DrainAsync(LoadRunOptions options, RunState run, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var lastCount = -1L;
        var lastGrowth = started;
        while (_time.GetElapsedTime(started) < options.Drain && !cancellationToken.IsCancellationRequested)
        {
            rig.PollSandbox();
            var delivered = CountDelivered(run);
            if (delivered >= run.Observable.Count)
            {
                return;
            }
            if (delivered != lastCount)
            {
                lastCount = delivered;
                lastGrowth = _time.GetTimestamp();
            }
            else if (_time.GetElapsedTime(lastGrowth) > options.DrainStall)
            {
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), _time, cancellationToken);
        }
    }

    private long CountDelivered(RunState run) => run.Observable.Count(id => rig.Arrivals.Find(id)?.FirstDelivery is not null);

    private async Task ProgressAsync(LoadRunOptions options, RunState run, CancellationToken stop)
    {
        var interactive = !Console.IsErrorRedirected && ReferenceEquals(progress, Console.Error);
        long lastAccepted = 0, lastDelivered = 0;
        var lastAt = _time.GetTimestamp();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(options.ProgressInterval, _time, stop);
                var now = _time.GetTimestamp();
                var seconds = Math.Max(_time.GetElapsedTime(lastAt, now).TotalSeconds, 0.001);
                lastAt = now;
                var metrics = run.Metrics;
                var accepted = metrics.AnsweredBetween(200, 299);
                var delivered = rig.Arrivals.UniqueDelivered;
                var window = metrics.TakeWindow();
                var errors = metrics.AnsweredBetween(500, 599) + metrics.Answered(0);
                var phase = run.SubmitEnded is null ? "" : " draining";
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"[{_time.GetElapsedTime(run.StartTimestamp).TotalSeconds,6:0.0}s{phase}] sent {metrics.Sent} accepted {accepted} ({(accepted - lastAccepted) / seconds:0}/s) " +
                    $"errors {errors} p99 {window.PercentileMs(0.99):0.0} ms in-flight {metrics.InFlight} delivered {delivered} ({(delivered - lastDelivered) / seconds:0}/s)");
                lastAccepted = accepted;
                lastDelivered = delivered;
                if (interactive)
                {
                    await progress.WriteAsync("\r" + line.PadRight(140));
                }
                else
                {
                    await progress.WriteLineAsync(line);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        if (interactive)
        {
            await progress.WriteLineAsync();
        }
    }

    private async Task<RunReport> ReportAsync(LoadRunOptions options, RunState run, CancellationToken cancellationToken)
    {
        rig.PollSandbox();
        var metrics = run.Metrics;
        var submitSeconds = Math.Max(run.SubmitEnded!.Value.TotalSeconds, 0.001);
        var delivery = new LatencyHistogram();
        long delivered = 0, withinWindow = 0, repeated = 0, refused = 0;
        var lastDelivery = run.StartedAt;
        var ids = run.Observable.ToList();
        foreach (var id in ids)
        {
            if (rig.Arrivals.Find(id) is not { } record)
            {
                continue;
            }
            refused += record.Refusals;
            if (record.FirstDelivery is not { } first)
            {
                continue;
            }
            delivered++;
            repeated += Math.Max(0, record.Deliveries - 1);
            if (first <= run.SubmitEndedAt)
            {
                withinWindow++;
            }
            if (first > lastDelivery)
            {
                lastDelivery = first;
            }
            if (rig.Submissions.Find(id) is { } submission)
            {
                delivery.Record(first - submission.SentAt);
            }
        }
        var (toSuccess, states) = await SampleSuccessAsync(run.Accepted.ToList(), options.SuccessSample, cancellationToken);
        return new RunReport
        {
            Label = options.Label,
            Mode = options.Mode == LoadMode.Open ? "open" : "closed",
            TargetRate = options.Mode == LoadMode.Open ? options.Rate : 0,
            Concurrency = options.Concurrency,
            Silos = rig.Cluster?.Silos.Count ?? 0,
            StartedAt = run.StartedAt,
            SubmitSeconds = Math.Round(submitSeconds, 3),
            Sent = metrics.Sent,
            Accepted = metrics.Answered(202),
            Existing = metrics.Answered(200),
            Rejected4xx = metrics.AnsweredBetween(400, 499),
            ServerErrors5xx = metrics.AnsweredBetween(500, 599),
            NoAnswer = metrics.Answered(0),
            LateSends = metrics.Late,
            CappedSends = metrics.Capped,
            ByStatus = metrics.ByStatus,
            Errors = new Dictionary<string, long>(metrics.Errors),
            Unexpected = new Dictionary<string, long>(metrics.Unexpected),
            AcceptedPerSecond = Math.Round(metrics.Created / submitSeconds, 1),
            SentPerSecond = Math.Round(metrics.Sent / submitSeconds, 1),
            AcceptLatency = metrics.Accept.Summarize(),
            DeliveriesExpected = ids.Count,
            Delivered = delivered,
            DeliveredPerSecond = Math.Round(withinWindow / submitSeconds, 1),
            DeliverySeconds = Math.Round((lastDelivery - run.StartedAt).TotalSeconds, 3),
            DeliveryBacklog = ids.Count - delivered,
            RepeatedDeliveries = repeated,
            RefusedByReceiver = refused,
            BadSignatures = rig.Receiver?.BadSignatures ?? 0,
            DeliveryLatency = delivery.Summarize(),
            TimeToSuccess = toSuccess,
            SampledStates = states,
            AcceptedTimeline = metrics.AcceptedPerSecond((int)Math.Ceiling(submitSeconds)),
        };
    }

    /// <summary>Reads up to <paramref name="sample"/> accepted notifications of this run back, spread over it: completedAt minus send time for SUCCESS.</summary>
    private async Task<(LatencySummary, IReadOnlyDictionary<string, long>)> SampleSuccessAsync(List<string> accepted, int sample, CancellationToken cancellationToken)
    {
        var states = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var histogram = new LatencyHistogram();
        var submissions = accepted.Select(rig.Submissions.Find).OfType<Submission>().ToList();
        if (sample == 0 || submissions.Count == 0)
        {
            return (LatencySummary.Empty, states);
        }
        var step = Math.Max(1, submissions.Count / sample);
        var picked = submissions.Where((_, i) => i % step == 0).Take(sample).ToList();
        using var http = LoadRig.Authorized(rig.ApiKey);
        await Parallel.ForEachAsync(picked, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (submission, ct) =>
        {
            try
            {
                var view = await http.GetFromJsonAsync<JsonObject>(new Uri(rig.Targets[0], $"/v1/notifications/{submission.Id}"), ct);
                var state = view?["state"]?.GetValue<string>() ?? "unreadable";
                states.AddOrUpdate(state, 1, (_, n) => n + 1);
                if (state == "SUCCESS" && view!["completedAt"]?.GetValue<DateTimeOffset>() is { } completedAt)
                {
                    histogram.Record(completedAt - submission.SentAt);
                }
            }
            catch (HttpRequestException)
            {
                states.AddOrUpdate("unreadable", 1, (_, n) => n + 1);
            }
        });
        return (histogram.Summarize(), new SortedDictionary<string, long>(states, StringComparer.Ordinal));
    }

    private sealed class RunState(RunMetrics metrics, DateTimeOffset startedAt, long startTimestamp)
    {
        public RunMetrics Metrics { get; } = metrics;
        public DateTimeOffset StartedAt { get; } = startedAt;
        public long StartTimestamp { get; } = startTimestamp;
        public TimeSpan? SubmitEnded { get; set; }
        public DateTimeOffset SubmitEndedAt { get; set; }

        /// <summary>Ids of this run's fresh notifications answered 202.</summary>
        public ConcurrentQueue<string> Accepted { get; } = new();

        /// <summary>Ids of this run's accepted notifications whose delivery the rig can see.</summary>
        public ConcurrentQueue<string> Observable { get; } = new();
    }
}
