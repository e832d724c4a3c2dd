using System.Runtime.InteropServices;
using PaymentNotifications.LoadTest.Bench;
using PaymentNotifications.LoadTest.Cli;
using PaymentNotifications.LoadTest.Soak;

namespace PaymentNotifications.LoadTest;

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
        // Registered directly: the hosted receiver's and sandbox's own hosts also listen for these signals and
        // would otherwise take them for themselves; every registration is called, so the run still stops cleanly
        // (its silos stopped, its files written).
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // A second signal while the program ends.
            }
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
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
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or ArgumentException or TimeoutException or FileNotFoundException or Npgsql.NpgsqlException)
        {
            await Console.Error.WriteLineAsync($"Failed: {e.Message}");
            return 1;
        }
    }
}
