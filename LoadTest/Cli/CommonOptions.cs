using PaymentNotifications.LoadTest.Load;

namespace PaymentNotifications.LoadTest.Cli;

/// <summary>Reads the options shared by the commands: the rig (cluster, keys, receiver), the workload and the run.</summary>
public static class CommonOptions
{
    public static RigOptions Rig(CommandArguments args) => new()
    {
        Targets = (args.String("target") ?? Environment.GetEnvironmentVariable("LOADTEST_TARGET") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => new Uri(u.TrimEnd('/') + "/"))
            .ToList(),
        AdminKey = args.String("admin-key") ?? Environment.GetEnvironmentVariable("LOADTEST_ADMIN_KEY"),
        TenantKey = args.String("tenant-key") ?? Environment.GetEnvironmentVariable("LOADTEST_TENANT_KEY"),
        StartSilos = args.Int("start-silos", 0),
        Postgres = args.String("postgres") ?? Environment.GetEnvironmentVariable("LOADTEST_POSTGRES"),
        SiloDll = args.String("silo-dll") ?? Cluster.SiloClusterOptions.DefaultSiloDll(),
        SiloSettings = SiloSettings(args.String("silo-settings")),
        LogDirectory = args.String("logs"),
        Receiver = !args.Flag("no-receiver"),
        ReceiverPort = args.Int("receiver-port", 0),
        ReceiverUrl = args.String("receiver-url") is { } receiverUrl ? new Uri(receiverUrl) : null,
        VerifySignatures = args.Flag("verify-signatures"),
        Sandbox = args.Flag("sandbox"),
        MaxConnections = args.Int("max-connections", args.Int("concurrency", 256)),
        RequestTimeout = args.Duration("request-timeout", TimeSpan.FromSeconds(30)),
        Http2 = args.Flag("http2"),
    };

    public static WorkloadOptions Workload(CommandArguments args, string? defaultMix = null)
    {
        var options = new WorkloadOptions
        {
            Mix = ChannelMix.Parse(args.String("mix", defaultMix ?? "webhook=1")),
            DuplicateShare = args.Double("duplicates", 0),
            InvalidShare = args.Double("invalid", 0),
            Merchants = args.Int("merchants", 64),
            Seed = args.Int("seed", 1),
        };
        if (args.String("run-id") is { } runId)
        {
            options = options with { RunId = runId };
        }
        var problems = options.Validate();
        return problems.Count == 0 ? options : throw new CommandLineException("Invalid workload: " + string.Join("; ", problems) + ".");
    }

    public static SubmitterKind Submitter(CommandArguments args) => args.String("client", "http") switch
    {
        "http" => SubmitterKind.Http,
        "dotnet" => SubmitterKind.Dotnet,
        var other => throw new CommandLineException($"--client '{other}' is not http or dotnet."),
    };

    /// <summary>"Key=Value;Key=Value" (configuration keys with ':').</summary>
    public static IReadOnlyDictionary<string, string?> SiloSettings(string? text)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0)
            {
                throw new CommandLineException($"--silo-settings: '{pair}' is not Key=Value.");
            }
            settings[parts[0].Trim()] = parts[1].Trim();
        }
        return settings;
    }

    public static LoadRunOptions Run(CommandArguments args, string label)
    {
        var options = new LoadRunOptions
        {
            Mode = args.String("mode", "open") switch
            {
                "open" => LoadMode.Open,
                "closed" => LoadMode.Closed,
                var other => throw new CommandLineException($"--mode '{other}' is not open or closed."),
            },
            Rate = args.Double("rate", 500),
            Concurrency = args.Int("concurrency", 256),
            Duration = args.Duration("duration"),
            Count = args.Has("count") ? args.Long("count", 0) : null,
            Drain = args.Duration("drain", TimeSpan.FromSeconds(30)),
            DrainStall = args.Duration("drain-stall", TimeSpan.FromSeconds(5)),
            SuccessSample = args.Int("success-sample", 200),
            ProgressInterval = args.Duration("progress", TimeSpan.FromSeconds(1)),
            Label = label,
        };
        var problems = options.Validate();
        return problems.Count == 0 ? options : throw new CommandLineException(string.Join("; ", problems) + ".");
    }
}
