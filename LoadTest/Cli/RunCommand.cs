using PaymentNotifications.LoadTest.Load;
using PaymentNotifications.LoadTest.Measure;

namespace PaymentNotifications.LoadTest.Cli;

/// <summary><c>run</c>: one load run at a rate or a concurrency, for a duration or a count; prints a table, writes JSON.</summary>
public static class RunCommand
{
    public static async Task<int> ExecuteAsync(CommandArguments args, CancellationToken cancellationToken)
    {
        var rigOptions = CommonOptions.Rig(args);
        var workload = new Workload(CommonOptions.Workload(args));
        var runOptions = CommonOptions.Run(args, "run");
        var submitterKind = CommonOptions.Submitter(args);
        var json = args.String("json");
        args.EnsureAllUsed();

        await using var rig = await LoadRig.StartAsync(rigOptions, workload, Console.Out, cancellationToken);
        using var submitter = rig.CreateSubmitter(submitterKind);
        Console.WriteLine($"Run {workload.Options.RunId} against {string.Join(", ", rig.Targets)}: mix {workload.Options.Mix}, " +
                          $"duplicates {workload.Options.DuplicateShare:P0}, invalid {workload.Options.InvalidShare:P0}, client {submitterKind.ToString().ToLowerInvariant()}");
        var report = await new LoadRunner(rig, workload, submitter, Console.Error).RunAsync(runOptions, cancellationToken);
        Console.WriteLine(report.ToTable());
        if (json is not null)
        {
            await ReportJson.WriteAsync(json, report, cancellationToken);
            Console.WriteLine($"JSON written to {json}");
        }
        return report.Unexpected.Count > 0 || report.BadSignatures > 0 ? 1 : 0;
    }
}
