using PaymentNotifications.LoadTest.Cli;
using PaymentNotifications.LoadTest.Load;
using PaymentNotifications.LoadTest.Measure;

namespace PaymentNotifications.LoadTest.Soak;

/// <summary><c>soak</c>: the chaos soak; exits 1 when an invariant is violated.</summary>
public static class SoakCommand
{
    public static async Task<int> ExecuteAsync(CommandArguments args, CancellationToken cancellationToken)
    {
        var options = new SoakOptions
        {
            Postgres = args.Required("postgres", "the connection string of the soak's PostgreSQL database"),
            Silos = args.Int("silos", 3),
            SiloDll = args.String("silo-dll") ?? Cluster.SiloClusterOptions.DefaultSiloDll(),
            Duration = args.Duration("duration", TimeSpan.FromMinutes(10)),
            Rate = args.Double("rate", 100),
            KillEvery = args.Duration("kill-every", TimeSpan.FromSeconds(60)),
            RestartAfter = args.Duration("restart-after", TimeSpan.FromSeconds(3)),
            FaultRate = args.Double("fault-rate", 0.1),
            DownProvider = args.String("down-provider", "webhook"),
            DownAt = args.Duration("down-at", TimeSpan.FromMinutes(4)),
            DownFor = args.Duration("down-for", TimeSpan.FromMinutes(2)),
            Drain = args.Duration("drain", TimeSpan.FromMinutes(3)),
            Mix = ChannelMix.Parse(args.String("mix", "webhook=1")),
            Merchants = args.Int("merchants", 16),
            ClientAttemptTimeout = args.Duration("client-timeout", TimeSpan.FromSeconds(10)),
            ClientGiveUpAfter = args.Duration("client-give-up", TimeSpan.FromMinutes(3)),
            KillWindowSettle = args.Duration("kill-window-settle", TimeSpan.FromSeconds(15)),
            Sandbox = !args.Flag("no-sandbox"),
            SiloSettings = CommonOptions.SiloSettings(args.String("silo-settings")),
            LogDirectory = args.String("logs"),
            Seed = args.Int("seed", 1),
        };
        var json = args.String("json");
        args.EnsureAllUsed();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new CommandLineException(string.Join("; ", problems) + ".");
        }
        var report = await new SoakRunner(Console.Out).RunAsync(options, cancellationToken);
        Console.WriteLine(report.ToText());
        Console.WriteLine($"Silo logs: {report.LogDirectory}");
        if (json is not null)
        {
            await ReportJson.WriteAsync(json, report, cancellationToken);
            Console.WriteLine($"JSON written to {json}");
        }
        return report.Passed ? 0 : 1;
    }
}
