using Notifications.Orleans.LoadTest.Bench;
using Notifications.Orleans.LoadTest.Cli;
using Notifications.Orleans.LoadTest.Soak;

namespace Notifications.Orleans.LoadTest;

/// <summary>The load generator's entry point: <c>run</c>, <c>search</c>, <c>bench</c> and <c>soak</c>.</summary>
public static class LoadTestProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage.Text);
            return args.Length == 0 ? 2 : 0;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            var parsed = CommandArguments.Parse(args);
            return parsed.Command switch
            {
                "run" => await RunCommand.ExecuteAsync(parsed, cancel.Token),
                "search" => await SearchCommand.ExecuteAsync(parsed, cancel.Token),
                "bench" => await BenchCommand.ExecuteAsync(parsed, cancel.Token),
                "soak" => await SoakCommand.ExecuteAsync(parsed, cancel.Token),
                var other => throw new CommandLineException($"Unknown command '{other}': use run, search, bench or soak (--help for usage)."),
            };
        }
        catch (CommandLineException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Cancelled.");
            return 130;
        }
    }
}
