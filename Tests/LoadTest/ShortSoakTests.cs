using System.Text;
using PaymentNotifications.LoadTest.Cluster;
using PaymentNotifications.LoadTest.Soak;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.LoadTest;

/// <summary>
/// The chaos soak, short: one silo process on PostgreSQL under steady load with client retries, killed with
/// SIGKILL twice and restarted, 10 % receiver failures and the receiver down for a few seconds; then every
/// invariant of the soak's checker must hold. About a minute. Reconciliation sweeps every 5 s here: a kill
/// between a submit's state write and its reminder write leaves a PENDING notification without a reminder,
/// and the sweep is what resumes it (with the default 5 min interval, a soak that restarts silos more often
/// than that finds such notifications stuck).
/// </summary>
[Trait("Category", "Soak")]
public sealed class ShortSoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_short_soak_with_the_silo_killed_and_restarted_keeps_every_invariant()
    {
        var server = await PostgresServer.GetAsync();
        var database = await server.CreateDatabaseAsync("soak");
        using var log = new TestOutputWriter(output);
        var options = new SoakOptions
        {
            Postgres = database,
            Silos = 1,
            SiloDll = Path.Combine(AppContext.BaseDirectory, "PaymentNotifications.Silo.dll"),
            Duration = TimeSpan.FromSeconds(25),
            Rate = 20,
            KillEvery = TimeSpan.FromSeconds(10),
            RestartAfter = TimeSpan.FromSeconds(1),
            FaultRate = 0.1,
            DownProvider = "webhook",
            DownAt = TimeSpan.FromSeconds(3),
            DownFor = TimeSpan.FromSeconds(5),
            Drain = TimeSpan.FromSeconds(25),
            Merchants = 4,
            ClientAttemptTimeout = TimeSpan.FromSeconds(10),
            ClientGiveUpAfter = TimeSpan.FromSeconds(60),
            KillWindowSettle = TimeSpan.FromSeconds(10),
            Sandbox = false,
            SiloSettings = new Dictionary<string, string?>
            {
                ["Delivery:RetrySchedule"] = "1s,2s",
                ["Delivery:MaxAttempts"] = "6",
                ["Delivery:AttemptTimeout"] = "5s",
                ["Reminders:PollInterval"] = "00:00:00.250",
                ["Cluster:PartitionCount"] = "32",
                ["Reconciliation:Interval"] = "5s",
                ["Reconciliation:StuckAfter"] = "5s",
            },
        };

        var report = await new SoakRunner(log).RunAsync(options, CancellationToken.None);
        output.WriteLine(report.ToText());

        Assert.Contains(report.Events, e => e.Kind == SiloEventKind.Killed);
        Assert.True(report.Invariants.Accepted >= 200, $"only {report.Invariants.Accepted} notifications were accepted");
        Assert.True(report.Invariants.Terminal.GetValueOrDefault("SUCCESS") > 0);
        Assert.True(report.Passed, report.ToText());
    }

    /// <summary>Forwards whole lines to the test output.</summary>
    private sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    output.WriteLine(_line.ToString().TrimEnd('\r'));
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }
        }
    }
}
