using PaymentNotifications.LoadTest.Load;
using PaymentNotifications.LoadTest.Measure;

namespace PaymentNotifications.LoadTest.Bench;

/// <summary>Settings of the search for the highest sustainable open-loop rate.</summary>
public sealed record SearchOptions
{
    /// <summary>First rate tried. Default 500/s.</summary>
    public double StartRate { get; init; } = 500;

    /// <summary>Rate the ramp never goes past. Default 50,000/s.</summary>
    public double MaxRate { get; init; } = 50_000;

    /// <summary>Lowest rate tried when even the start rate is not sustainable. Default 25/s.</summary>
    public double MinRate { get; init; } = 25;

    /// <summary>A first run at half the start rate, not judged, so JIT tiering and connection pools are warm before the first step. Default 10 s; 0 skips it.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Length of each trial step. Default 10 s.</summary>
    public TimeSpan StepDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>After each step, how long deliveries may catch up before the next. Default 15 s.</summary>
    public TimeSpan StepDrain { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Factor between ramp steps. Default 1.5.</summary>
    public double Growth { get; init; } = 1.5;

    /// <summary>Bisection steps between the last sustainable and the first unsustainable rate. Default 3.</summary>
    public int Refinements { get; init; } = 3;

    /// <summary>Accept p99 a sustainable rate must stay under, in ms; 0 ignores latency. Default 50.</summary>
    public double P99LimitMs { get; init; } = 50;

    /// <summary>Largest share of submits answered 5xx or not at all. Default 0.1 %.</summary>
    public double MaxErrorShare { get; init; } = 0.001;

    /// <summary>Accepted per second must reach this share of the target. Default 95 %.</summary>
    public double MinThroughputShare { get; init; } = 0.95;

    /// <summary>How long to hold the rate found. Default 60 s.</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>After the hold, how long deliveries may take to arrive. Default 60 s.</summary>
    public TimeSpan HoldDrain { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>One trial of the search and its verdict.</summary>
public sealed record SearchStep(double Rate, bool Sustainable, bool KeepsUp, string Verdict, RunReport Report);

/// <summary>The steps tried, the rate chosen and the hold at it.</summary>
/// <param name="LatencyTargetMet">False when no rate met the p99 limit and the hold ran at the highest rate the cluster kept up with instead.</param>
public sealed record SearchResult(IReadOnlyList<SearchStep> Steps, double Rate, bool LatencyTargetMet, RunReport Hold);

/// <summary>
/// Finds the highest open-loop rate the cluster sustains (throughput within 95 % of the target, almost no errors,
/// accept p99 under the limit): a geometric ramp until a step fails, bisection between the last good and the first
/// bad rate, then a hold at the rate found.
/// </summary>
public sealed class RateSearch(Func<LoadRunOptions, CancellationToken, Task<RunReport>> runStep, TextWriter log)
{
    public async Task<SearchResult> RunAsync(SearchOptions options, LoadRunOptions template, CancellationToken cancellationToken)
    {
        var steps = new List<SearchStep>();
        Task<RunReport> Step(double rate, TimeSpan duration, string label) => runStep(template with
        {
            Mode = LoadMode.Open,
            Rate = rate,
            Duration = duration,
            Count = null,
            Drain = options.StepDrain,
            SuccessSample = 0,
            Label = label,
        }, cancellationToken);

        if (options.Warmup > TimeSpan.Zero)
        {
            var warmupRate = Math.Round(options.StartRate / 2);
            await log.WriteLineAsync($"-- warm-up at {warmupRate:0}/s for {options.Warmup.TotalSeconds:0} s (not judged)");
            await Step(warmupRate, options.Warmup, $"warm-up {warmupRate:0}/s");
        }
        async Task<SearchStep> Try(double rate)
        {
            rate = Math.Round(rate);
            await log.WriteLineAsync($"-- step at {rate:0}/s for {options.StepDuration.TotalSeconds:0} s");
            var report = await Step(rate, options.StepDuration, $"step {rate:0}/s");
            var step = Judge(options, rate, report);
            await log.WriteLineAsync($"-- {rate:0}/s: {step.Verdict}");
            steps.Add(step);
            return step;
        }

        double good = 0, bad = double.PositiveInfinity;
        for (var rate = options.StartRate; rate <= options.MaxRate; rate *= options.Growth)
        {
            if ((await Try(rate)).Sustainable)
            {
                good = rate;
            }
            else
            {
                bad = rate;
                break;
            }
        }
        if (good == 0)
        {
            for (var rate = options.StartRate / 2; rate >= options.MinRate; rate /= 2)
            {
                if ((await Try(rate)).Sustainable)
                {
                    good = rate;
                    break;
                }
                bad = rate;
            }
        }
        for (var i = 0; i < options.Refinements && good > 0 && !double.IsPositiveInfinity(bad) && bad / good > 1.08; i++)
        {
            var middle = Math.Sqrt(good * bad);
            if ((await Try(middle)).Sustainable)
            {
                good = middle;
            }
            else
            {
                bad = middle;
            }
        }

        var latencyMet = good > 0;
        if (!latencyMet)
        {
            // No rate met the latency limit: hold at the highest rate the cluster kept up with, and say so.
            good = steps.Where(s => s.KeepsUp).Select(s => s.Rate).DefaultIfEmpty(options.MinRate).Max();
        }
        good = Math.Round(good);
        await log.WriteLineAsync($"-- holding {good:0}/s for {options.Hold.TotalSeconds:0} s{(latencyMet ? "" : " (no rate met the p99 limit; holding the highest rate the cluster kept up with)")}");
        var hold = await runStep(template with
        {
            Mode = LoadMode.Open,
            Rate = good,
            Duration = options.Hold,
            Count = null,
            Drain = options.HoldDrain,
            Label = $"hold {good:0}/s",
        }, cancellationToken);
        return new SearchResult(steps, good, latencyMet, hold);
    }

    /// <summary>Whether a step's rate was sustained, and in words why or why not.</summary>
    public static SearchStep Judge(SearchOptions options, double rate, RunReport report)
    {
        var failures = new List<string>();
        var answered2xx = report.Accepted + report.Existing;
        var throughput = answered2xx / Math.Max(report.SubmitSeconds, 0.001);
        var sent = Math.Max(report.Sent, 1);
        var errors = report.ServerErrors5xx + report.NoAnswer;
        if (throughput < options.MinThroughputShare * rate)
        {
            failures.Add($"throughput {throughput:0}/s below {options.MinThroughputShare:P0} of target");
        }
        if (report.CappedSends > 0.005 * sent)
        {
            failures.Add($"{report.CappedSends} sends waited for the concurrency cap");
        }
        if (errors > options.MaxErrorShare * sent)
        {
            failures.Add($"{errors} errors");
        }
        var keepsUp = failures.Count == 0;
        if (options.P99LimitMs > 0 && report.AcceptLatency.P99 > options.P99LimitMs)
        {
            failures.Add($"p99 {report.AcceptLatency.P99:0.0} ms over {options.P99LimitMs:0} ms");
        }
        var verdict = failures.Count == 0
            ? $"sustained ({throughput:0}/s, p99 {report.AcceptLatency.P99:0.0} ms)"
            : "not sustained: " + string.Join("; ", failures);
        return new SearchStep(rate, failures.Count == 0, keepsUp, verdict, report);
    }
}
