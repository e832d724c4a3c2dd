using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PaymentNotifications.LoadTest.Cluster;

/// <summary>
/// One silo as a child process (<c>dotnet PaymentNotifications.Silo.dll --urls ...</c>) with its own id and port; its
/// output goes to a log file. It can be killed (SIGKILL, as <c>kill -9</c>), stopped gracefully (SIGTERM) and started
/// again on the same port.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly string _siloDll;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly string _logPath;
    private Process? _process;
    private Task? _pump;

    public SiloProcess(string siloId, int port, string siloDll, IReadOnlyDictionary<string, string?> settings, string logDirectory)
    {
        SiloId = siloId;
        Port = port;
        SiloPort = FreePort();
        GatewayPort = FreePort();
        _siloDll = siloDll;
        _settings = settings;
        _logPath = Path.Combine(logDirectory, $"{siloId}.log");
        Url = new Uri($"http://127.0.0.1:{port}");
    }

    public string SiloId { get; }

    /// <summary>The HTTP port.</summary>
    public int Port { get; }

    /// <summary>Orleans' silo-to-silo port (<c>Orleans:Endpoints:SiloPort</c>), kept across restarts.</summary>
    public int SiloPort { get; }

    /// <summary>Orleans' client gateway port (<c>Orleans:Endpoints:GatewayPort</c>), kept across restarts.</summary>
    public int GatewayPort { get; }

    public Uri Url { get; }

    /// <summary>The running process's id, or null when it is not running.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public bool IsRunning => _process is { HasExited: false };

    public string LogPath => _logPath;

    /// <summary>Starts the process (not waiting for readiness).</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"Silo {SiloId} is already running.");
        }
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(_siloDll)!,
        };
        start.ArgumentList.Add(_siloDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(Url.ToString().TrimEnd('/'));
        foreach (var (key, value) in _settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        start.Environment["Orleans__Name"] = SiloId;
        start.Environment["Orleans__Endpoints__SiloPort"] = SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Orleans__Endpoints__GatewayPort"] = GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Orleans__Endpoints__AdvertisedIPAddress"] = "127.0.0.1";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Silo {SiloId} did not start.");
        _process = process;
        _pump = PumpAsync(process);
    }

    /// <summary>Waits until /health/ready answers 200; throws when the process exits or the timeout passes.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!IsRunning)
            {
                throw new InvalidOperationException($"Silo {SiloId} exited while starting (exit code {_process?.ExitCode}); see {_logPath}.");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(Url, "/health/ready"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow answer while starting.
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Silo {SiloId} was not ready within {timeout.TotalSeconds:0} s; see {_logPath}.");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Kills the process with SIGKILL, as <c>kill -9</c>: no handover, no flush.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
        await DrainPumpAsync();
    }

    /// <summary>Asks the process to stop (SIGTERM, as on a rolling restart) and waits; kills it after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }
        using (var signal = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            if (signal is not null)
            {
                await signal.WaitForExitAsync();
            }
        }
        using var wait = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
        await DrainPumpAsync();
    }

    /// <summary>Resident memory of the running process in bytes.</summary>
    public long? RssBytes() => ProcessId is { } pid ? ProcessStats.RssBytes(pid) : null;

    /// <summary>CPU time of the running process.</summary>
    public TimeSpan? CpuTime() => ProcessId is { } pid ? ProcessStats.CpuTime(pid) : null;

    /// <summary>A free TCP port on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task PumpAsync(Process process)
    {
        await using var log = new StreamWriter(new FileStream(_logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        await log.WriteLineAsync($"--- {SiloId} started as process {process.Id} at {DateTimeOffset.UtcNow:O}");
        var gate = new SemaphoreSlim(1, 1);
        async Task Copy(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                await gate.WaitAsync();
                try
                {
                    await log.WriteLineAsync(line);
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        await Task.WhenAll(Copy(process.StandardOutput), Copy(process.StandardError));
    }

    private async Task DrainPumpAsync()
    {
        if (_pump is { } pump)
        {
            await pump.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}
