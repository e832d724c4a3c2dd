using System.Collections.Concurrent;
using System.Diagnostics;

namespace PaymentNotifications.Tests.Infrastructure;

/// <summary>
/// The real silo executable (PaymentNotifications.Silo.dll, built next to the tests) running as its
/// own process under <c>dotnet</c>, listening on 127.0.0.1 on a port of its choosing. It can be
/// killed with SIGKILL or stopped with SIGTERM like any deployed silo.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private volatile Uri? _listening;
    private int _nonJsonLines;

    private SiloProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the silo with the given configuration (keys in "Section:Name" form, passed as environment variables).</summary>
    public static SiloProcess Start(string name, IReadOnlyDictionary<string, string> configuration)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "PaymentNotifications.Silo.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("The silo executable is built next to the tests; build the Tests project first.", dll);
        }
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        // Durable silos refuse to start without an encryption key and take only https webhooks unless told otherwise;
        // test silos share one key and reach their local http receivers, unless the test says otherwise.
        start.Environment["Security__EncryptionKey"] = SiloApp.EncryptionKey;
        start.Environment["Webhooks__RequireHttps"] = "false";
        // The start-up event carries the listening URL; it is logged whatever level a test gives the rest.
        start.Environment["Logging__LogLevel__PaymentNotifications.Silo.Started"] = "Information";
        foreach (var (key, value) in OrleansPorts.Free().Select(p => KeyValuePair.Create(p.Key, p.Value!)).Concat(configuration))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var silo = new SiloProcess(name, process);
        process.OutputDataReceived += (_, e) => silo.Record(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>kill -9: the process ends at once, with no chance to hand anything over.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>kill -TERM: the process shuts down gracefully, as under an orchestrator.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-TERM {_process.Id}") { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The URL the silo listens on, read from its start-up log event (its output is not a terminal, so it logs JSON only).</summary>
    public async Task<Uri> ListeningUrlAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_listening is { } url)
            {
                return url;
            }
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Silo {Name} exited before listening:{Environment.NewLine}{OutputTail()}");
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"Silo {Name} did not log its listening URL within {timeout}:{Environment.NewLine}{OutputTail()}");
    }

    /// <summary>Every line the process wrote that is not a JSON object, counted from its start.</summary>
    public int NonJsonLines => _nonJsonLines;

    /// <summary>The message of a JSON log line, or null for any other line.</summary>
    public static string? MessageOf(string line)
    {
        try
        {
            return line.StartsWith('{') && System.Text.Json.JsonDocument.Parse(line).RootElement.TryGetProperty("Message", out var message)
                ? message.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The last lines the process wrote.</summary>
    public string OutputTail(int lines = 40) => string.Join(Environment.NewLine, _output.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }
        const string marker = " listening on ";
        var message = MessageOf(line);
        if (message is null)
        {
            Interlocked.Increment(ref _nonJsonLines);
        }
        else if (_listening is null && message.StartsWith("Notifications silo ", StringComparison.Ordinal) && message.Contains(marker, StringComparison.Ordinal))
        {
            _listening = new Uri(message[(message.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Split(';', ',')[0].Trim());
        }
        _output.Enqueue(line);
        while (_output.Count > 400)
        {
            _output.TryDequeue(out _);
        }
    }

    // The dotnet that runs these tests; DOTNET_HOST_PATH is set by the dotnet CLI.
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
