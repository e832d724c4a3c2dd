using System.Globalization;
using PaymentNotifications.LoadTest.Bench;
using PaymentNotifications.LoadTest.Load;
using PaymentNotifications.LoadTest.Measure;

namespace PaymentNotifications.LoadTest.Cli;

/// <summary><c>search</c>: finds the highest sustainable open-loop rate, then holds it.</summary>
public static class SearchCommand
{
    public static async Task<int> ExecuteAsync(CommandArguments args, CancellationToken cancellationToken)
    {
        var rigOptions = CommonOptions.Rig(args);
        var workload = new Workload(CommonOptions.Workload(args));
        var template = CommonOptions.Run(args, "search");
        var search = Search(args);
        var submitterKind = CommonOptions.Submitter(args);
        var json = args.String("json");
        args.EnsureAllUsed();

        await using var rig = await LoadRig.StartAsync(rigOptions, workload, Console.Out, cancellationToken);
        using var submitter = rig.CreateSubmitter(submitterKind);
        var runner = new LoadRunner(rig, workload, submitter, Console.Error);
        var result = await new RateSearch(runner.RunAsync, Console.Out).RunAsync(search, template, cancellationToken);
        Console.WriteLine(StepsTable(result));
        Console.WriteLine(result.Hold.ToTable());
        if (json is not null)
        {
            await ReportJson.WriteAsync(json, result, cancellationToken);
            Console.WriteLine($"JSON written to {json}");
        }
        return 0;
    }

    public static SearchOptions Search(CommandArguments args) => new()
    {
        StartRate = args.Double("start-rate", 500),
        MaxRate = args.Double("max-rate", 50_000),
        MinRate = args.Double("min-rate", 25),
        Warmup = args.Duration("warmup", TimeSpan.FromSeconds(10)),
        StepDuration = args.Duration("step", TimeSpan.FromSeconds(10)),
        StepDrain = args.Duration("step-drain", TimeSpan.FromSeconds(15)),
        Growth = args.Double("growth", 1.5),
        Refinements = args.Int("refinements", 3),
        P99LimitMs = args.Double("p99-limit-ms", 50),
        MaxErrorShare = args.Double("max-error-share", 0.001),
        Hold = args.Duration("hold", TimeSpan.FromSeconds(60)),
        HoldDrain = args.Duration("hold-drain", TimeSpan.FromSeconds(60)),
    };

    public static string StepsTable(SearchResult result) =>
        "Search steps:\n" + RunReport.Table(result.Steps.Select(s => (
            s.Rate.ToString("0", CultureInfo.InvariantCulture) + "/s",
            $"{s.Verdict}; accept p99 {s.Report.AcceptLatency.P99:0.0} ms, delivered {s.Report.DeliveredPerSecond:0}/s")).ToList());
}
