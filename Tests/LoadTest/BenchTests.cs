using PaymentNotifications.LoadTest.Bench;
using PaymentNotifications.LoadTest.Cluster;
using PaymentNotifications.LoadTest.Load;
using PaymentNotifications.LoadTest.Measure;

namespace PaymentNotifications.Tests.LoadTest;

public sealed class BenchTests
{
    [Fact]
    public void The_pgbench_report_is_read()
    {
        const string output = """
            pgbench (15.18 (Debian 15.18-0+deb12u1))
            transaction type: /tmp/baseline.sql
            scaling factor: 1
            query mode: prepared
            number of clients: 64
            number of threads: 2
            maximum number of tries: 1
            duration: 10 s
            number of transactions actually processed: 52071
            number of failed transactions: 0 (0.000%)
            latency average = 11.260 ms
            initial connection time = 31.204 ms
            tps = 5207.123456 (without initial connection time)
            """;

        var result = PgBenchBaseline.Parse(output, 64, TimeSpan.FromSeconds(10));

        Assert.Equal(5207.123456, result.Tps, 6);
        Assert.Equal(11.26, result.LatencyAverageMs, 3);
        Assert.Equal(52071, result.Transactions);
    }

    [Fact]
    public async Task The_search_finds_the_highest_rate_the_cluster_sustains()
    {
        // A fake cluster that keeps up with 1,800/s and no more.
        var tried = new List<double>();
        Task<RunReport> Step(LoadRunOptions options, CancellationToken _)
        {
            tried.Add(options.Rate);
            var kept = Math.Min(options.Rate, 1800);
            var seconds = options.Duration!.Value.TotalSeconds;
            return Task.FromResult(new RunReport
            {
                Label = options.Label,
                Mode = "open",
                SubmitSeconds = seconds,
                Sent = (long)(options.Rate * seconds),
                Accepted = (long)(kept * seconds),
                AcceptLatency = new LatencySummary(1, 5, 8, options.Rate <= 1800 ? 20 : 900, 30, 40, 6),
            });
        }

        var result = await new RateSearch(Step, TextWriter.Null).RunAsync(new SearchOptions
        {
            StartRate = 500,
            Growth = 1.5,
            Refinements = 4,
            StepDuration = TimeSpan.FromSeconds(1),
            Hold = TimeSpan.FromSeconds(2),
        }, new LoadRunOptions(), CancellationToken.None);

        Assert.True(result.LatencyTargetMet);
        Assert.Equal(250, tried[0]);
        Assert.DoesNotContain(result.Steps, s => s.Rate == 250);
        Assert.InRange(result.Rate, 1650, 1800);
        Assert.Equal(result.Rate, tried[^1]);
        Assert.Contains(result.Steps, s => !s.Sustainable);
    }

    [Fact]
    public async Task Without_any_rate_meeting_the_latency_limit_the_hold_runs_at_the_highest_rate_kept_up_with()
    {
        Task<RunReport> Step(LoadRunOptions options, CancellationToken _)
        {
            var seconds = options.Duration!.Value.TotalSeconds;
            var kept = Math.Min(options.Rate, 300);
            return Task.FromResult(new RunReport
            {
                Label = options.Label,
                Mode = "open",
                SubmitSeconds = seconds,
                Sent = (long)(options.Rate * seconds),
                Accepted = (long)(kept * seconds),
                AcceptLatency = new LatencySummary(1, 50, 80, 120, 130, 140, 60),
            });
        }

        var result = await new RateSearch(Step, TextWriter.Null).RunAsync(new SearchOptions
        {
            StartRate = 500,
            MinRate = 50,
            StepDuration = TimeSpan.FromSeconds(1),
            Hold = TimeSpan.FromSeconds(1),
        }, new LoadRunOptions(), CancellationToken.None);

        Assert.False(result.LatencyTargetMet);
        Assert.Equal(250, result.Rate);
    }

    [Fact]
    public void Cpu_time_is_read_from_proc_stat_even_when_the_command_name_has_spaces()
    {
        const string stat = "1234 (dotnet (worker) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 0 0";

        Assert.Equal(TimeSpan.FromSeconds(3), ProcessStats.ParseCpuTime(stat));
    }

    [Fact]
    public void This_process_has_a_resident_set_and_cpu_time()
    {
        var pid = Environment.ProcessId;

        Assert.True(ProcessStats.RssBytes(pid) > 1024 * 1024);
        Assert.True(ProcessStats.CpuTime(pid) > TimeSpan.Zero);
    }
}
