using System.Collections.Concurrent;

namespace PaymentNotifications.LoadTest.Cluster;

/// <summary>What happened to a silo process, and when.</summary>
public enum SiloEventKind
{
    Started,
    Ready,
    Killed,
    Stopped,
}

/// <summary>One entry of the cluster's life: a silo started, became ready, was killed or stopped.</summary>
public sealed record SiloEvent(DateTimeOffset At, string SiloId, SiloEventKind Kind);

/// <summary>Settings of a cluster of silo processes on this machine.</summary>
public sealed record SiloClusterOptions
{
    /// <summary>Path of PaymentNotifications.Silo.dll. Default: the copy next to the load generator.</summary>
    public string SiloDll { get; init; } = DefaultSiloDll();

    /// <summary>Number of silo processes. Default 1.</summary>
    public int Silos { get; init; } = 1;

    /// <summary>Configuration every silo gets (keys with ':'; passed as environment variables with '__').</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Folder for the silos' logs. Default a new temporary folder.</summary>
    public string LogDirectory { get; init; } = Path.Combine(Path.GetTempPath(), $"notifications-silos-{Guid.NewGuid():N}"[..36]);

    /// <summary>How long a silo may take to become ready. Default 90 s (a loaded 2-core machine starts slowly).</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The silo next to this program (the load generator references the silo project, so the build copies it).</summary>
    public static string DefaultSiloDll() => Path.Combine(AppContext.BaseDirectory, "PaymentNotifications.Silo.dll");
}

/// <summary>N silo processes against one PostgreSQL, each with its own HTTP and Orleans ports and name, and a log of their lives.</summary>
public sealed class SiloCluster : IAsyncDisposable
{
    private readonly SiloClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<SiloEvent> _events = new();

    public SiloCluster(SiloClusterOptions options, TimeProvider? time = null)
    {
        if (options.Silos < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Silos, "A cluster needs at least one silo.");
        }
        if (!File.Exists(options.SiloDll))
        {
            throw new FileNotFoundException($"The silo was not found at {options.SiloDll}; build the solution first or pass --silo-dll.", options.SiloDll);
        }
        _options = options;
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(options.LogDirectory);
        Silos = Enumerable.Range(1, options.Silos)
            .Select(i => new SiloProcess($"silo-{i}", SiloProcess.FreePort(), options.SiloDll, options.Settings, options.LogDirectory))
            .ToList();
    }

    public IReadOnlyList<SiloProcess> Silos { get; }

    public IReadOnlyList<Uri> Urls => Silos.Select(s => s.Url).ToList();

    public IReadOnlyList<SiloEvent> Events => _events.ToList();

    public string LogDirectory => _options.LogDirectory;

    /// <summary>Starts every silo and waits until all are ready.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var silo in Silos)
        {
            Note(silo, SiloEventKind.Started);
            silo.Start();
        }
        await Task.WhenAll(Silos.Select(async silo =>
        {
            await silo.WaitReadyAsync(_options.ReadyTimeout, cancellationToken);
            Note(silo, SiloEventKind.Ready);
        }));
    }

    /// <summary>kill -9 of one silo.</summary>
    public async Task KillAsync(SiloProcess silo)
    {
        Note(silo, SiloEventKind.Killed);
        await silo.KillAsync();
    }

    /// <summary>Starts a stopped or killed silo again on its port and waits until it is ready.</summary>
    public async Task RestartAsync(SiloProcess silo, CancellationToken cancellationToken)
    {
        Note(silo, SiloEventKind.Started);
        silo.Start();
        await silo.WaitReadyAsync(_options.ReadyTimeout, cancellationToken);
        Note(silo, SiloEventKind.Ready);
    }

    /// <summary>Stops every silo gracefully (SIGTERM), killing any that does not exit within the grace.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        await Task.WhenAll(Silos.Where(s => s.IsRunning).Select(async silo =>
        {
            Note(silo, SiloEventKind.Stopped);
            await silo.StopAsync(grace);
        }));
    }

    /// <summary>Resident memory of each running silo, by silo id.</summary>
    public IReadOnlyDictionary<string, long> Rss() =>
        Silos.Select(s => (s.SiloId, Rss: s.RssBytes())).Where(x => x.Rss is not null).ToDictionary(x => x.SiloId, x => x.Rss!.Value);

    /// <summary>CPU time used so far by the running silos together.</summary>
    public TimeSpan CpuTime() => Silos.Aggregate(TimeSpan.Zero, (sum, s) => sum + (s.CpuTime() ?? TimeSpan.Zero));

    private void Note(SiloProcess silo, SiloEventKind kind) => _events.Enqueue(new SiloEvent(_time.GetUtcNow(), silo.SiloId, kind));

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }
    }
}
