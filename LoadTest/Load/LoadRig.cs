using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using PaymentNotifications.Grains.Webhooks;
using PaymentNotifications.LoadTest.Cluster;
using PaymentNotifications.LoadTest.Measure;
using PaymentNotifications.LoadTest.Receiving;

namespace PaymentNotifications.LoadTest.Load;

/// <summary>What a load run needs around it: where the cluster is (or how to start one) and who receives the deliveries.</summary>
public sealed record RigOptions
{
    /// <summary>Base URLs of a running cluster; ignored when <see cref="StartSilos"/> is above 0.</summary>
    public IReadOnlyList<Uri> Targets { get; init; } = [];

    /// <summary>The admin key of the cluster (creates the run's tenant); generated when the rig starts the silos.</summary>
    public string? AdminKey { get; init; }

    /// <summary>A tenant key to submit with instead of creating a tenant.</summary>
    public string? TenantKey { get; init; }

    /// <summary>Silo processes to start against <see cref="Postgres"/>; 0 to use <see cref="Targets"/>.</summary>
    public int StartSilos { get; init; }

    /// <summary>PostgreSQL connection string for started silos.</summary>
    public string? Postgres { get; init; }

    /// <summary>Path of the silo executable for started silos.</summary>
    public string SiloDll { get; init; } = SiloClusterOptions.DefaultSiloDll();

    /// <summary>Extra configuration for started silos (keys with ':').</summary>
    public IReadOnlyDictionary<string, string?> SiloSettings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Folder for the logs of started silos; a temporary one when null.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Host the webhook receiver in this process. Default true.</summary>
    public bool Receiver { get; init; } = true;

    /// <summary>Port of the hosted receiver; 0 for a free one.</summary>
    public int ReceiverPort { get; init; }

    /// <summary>An external receiver's URL to register instead (deliveries are then not seen here).</summary>
    public Uri? ReceiverUrl { get; init; }

    /// <summary>Verify every webhook's signature at the hosted receiver. Default false (it costs generator CPU).</summary>
    public bool VerifySignatures { get; init; }

    /// <summary>Keep every arrival, not only the first delivery (the soak's checker needs all). Default false.</summary>
    public bool KeepAllArrivals { get; init; }

    /// <summary>Host the sandbox SMS/e-mail/push providers here and point started silos at them. Default false.</summary>
    public bool Sandbox { get; init; }

    /// <summary>Seed of the sandbox's fault dice; null for a new one each run.</summary>
    public int? SandboxSeed { get; init; }

    /// <summary>How the generator connects (connection cap, request timeout, HTTP/2).</summary>
    public int MaxConnections { get; init; } = 256;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public bool Http2 { get; init; }
}

/// <summary>
/// The environment of a load run, set up before it and torn down after: the hosted webhook receiver and sandbox
/// providers, optionally the silo processes, a fresh tenant and the merchants' webhook endpoints.
/// </summary>
public sealed class LoadRig : IAsyncDisposable
{
    private LoadRig(RigOptions options) => Options = options;

    public RigOptions Options { get; }

    public IReadOnlyList<Uri> Targets { get; private set; } = [];

    public string ApiKey { get; private set; } = "";

    /// <summary>The tenant id when the rig created the tenant (lets answers be checked against the expected id).</summary>
    public string? TenantId { get; private set; }

    public string? AdminKey { get; private set; }

    public DeliveryArrivals Arrivals { get; private set; } = new();

    public SubmissionLog Submissions { get; } = new();

    public WebhookReceiver? Receiver { get; private set; }

    public SandboxTap? Sandbox { get; private set; }

    public SiloCluster? Cluster { get; private set; }

    /// <summary>The secret every merchant endpoint signs with.</summary>
    public string WebhookSecretValue { get; } = Grains.Webhooks.WebhookSecret.Generate().Value;

    public ConnectionOptions Connection => new()
    {
        Targets = Targets,
        MaxConnections = Options.MaxConnections,
        RequestTimeout = Options.RequestTimeout,
        Http2 = Options.Http2,
    };

    public static async Task<LoadRig> StartAsync(RigOptions options, Workload workload, TextWriter log, CancellationToken cancellationToken)
    {
        var rig = new LoadRig(options);
        try
        {
            await rig.SetUpAsync(workload, log, cancellationToken);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>A submitter of the given kind, connected to this rig's cluster with the run's tenant key.</summary>
    public ISubmitter CreateSubmitter(SubmitterKind kind) => kind == SubmitterKind.Dotnet
        ? new ClientSubmitter(Connection, ApiKey)
        : new HttpSubmitter(Connection, ApiKey);

    /// <summary>Copies what the sandbox providers accepted into the arrivals (no-op without a sandbox).</summary>
    public void PollSandbox() => Sandbox?.Poll();

    /// <summary>Registers an endpoint for every merchant of the workload, pointing at the receiver.</summary>
    public async Task RegisterEndpointsAsync(Workload workload, CancellationToken cancellationToken)
    {
        var baseUrl = Options.ReceiverUrl ?? Receiver?.Url;
        if (baseUrl is null || workload.Options.Mix.Weights.GetValueOrDefault(Grains.Interfaces.Contracts.Channel.Webhook) <= 0)
        {
            return;
        }
        using var http = Authorized(ApiKey);
        await Parallel.ForEachAsync(workload.MerchantIds, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (merchant, ct) =>
        {
            var url = $"{baseUrl.ToString().TrimEnd('/')}/{merchant}";
            using var response = await http.PutAsJsonAsync(new Uri(Targets[0], $"/v1/merchants/{merchant}/webhook-endpoint"), new { url, secret = WebhookSecretValue }, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException(
                    $"Registering the webhook endpoint of {merchant} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        });
    }

    /// <summary>An HttpClient for setup and reads, with a key as bearer.</summary>
    public static HttpClient Authorized(string key)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private async Task SetUpAsync(Workload workload, TextWriter log, CancellationToken cancellationToken)
    {
        Arrivals = new DeliveryArrivals(Options.KeepAllArrivals);
        if (Options.Receiver && Options.ReceiverUrl is null)
        {
            Receiver = await WebhookReceiver.StartAsync(Arrivals, Options.ReceiverPort, Options.VerifySignatures ? [WebhookSecretValue] : null, cancellationToken: cancellationToken);
            log.WriteLine($"Webhook receiver on {Receiver.Url}{(Receiver.VerifiesSignatures ? " (verifying signatures)" : "")}");
        }
        if (Options.Sandbox)
        {
            Sandbox = await SandboxTap.StartAsync(Arrivals, Submissions, Options.SandboxSeed, cancellationToken);
            log.WriteLine("Sandbox SMS, e-mail and push providers hosted by the generator");
        }

        AdminKey = Options.AdminKey;
        if (Options.StartSilos > 0)
        {
            if (string.IsNullOrWhiteSpace(Options.Postgres))
            {
                throw new ArgumentException("Starting silos needs a PostgreSQL connection string (--postgres).");
            }
            AdminKey ??= "admin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = Options.Postgres,
                ["Api:AdminKey"] = AdminKey,
                ["Webhooks:AllowedNetworks"] = "127.0.0.0/8",
                // The generator's receivers listen on loopback over http.
                ["Webhooks:RequireHttps"] = "false",
                ["Security:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
                // A run measures the cluster, not a tenant's policy: its one tenant is not held to the default
                // cluster-wide submit rate, so N silos take N times one silo's load as before (--silo-settings overrides).
                ["Api:SubmitRate:Permits"] = "1000000",
                ["Api:SubmitRate:Burst"] = "2000000",
            };
            if (Sandbox is not null)
            {
                foreach (var (key, value) in Sandbox.AdapterConfiguration())
                {
                    settings[key] = value;
                }
            }
            foreach (var (key, value) in Options.SiloSettings)
            {
                settings[key] = value;
            }
            Cluster = new SiloCluster(new SiloClusterOptions
            {
                Silos = Options.StartSilos,
                SiloDll = Options.SiloDll,
                Settings = settings,
                LogDirectory = Options.LogDirectory ?? new SiloClusterOptions().LogDirectory,
            });
            log.WriteLine($"Starting {Options.StartSilos} silo process(es); logs in {Cluster.LogDirectory}");
            await Cluster.StartAsync(cancellationToken);
            Targets = Cluster.Urls;
        }
        else
        {
            Targets = Options.Targets.Count > 0 ? Options.Targets : throw new ArgumentException("Give --target (the cluster's URL) or --start-silos.");
        }

        if (Options.TenantKey is { Length: > 0 } tenantKey)
        {
            ApiKey = tenantKey;
        }
        else
        {
            if (string.IsNullOrEmpty(AdminKey))
            {
                throw new ArgumentException("Give --tenant-key, or --admin-key so the run can create its own tenant.");
            }
            using var admin = Authorized(AdminKey);
            using var response = await admin.PostAsJsonAsync(new Uri(Targets[0], "/v1/admin/tenants"), new { name = $"load-{workload.Options.RunId}" }, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Creating the run's tenant failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
            var created = (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!;
            TenantId = created["id"]!.GetValue<string>();
            ApiKey = created["apiKey"]!.GetValue<string>();
        }
        await RegisterEndpointsAsync(workload, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAsync(TimeSpan.FromSeconds(20));
            await Cluster.DisposeAsync();
        }
        if (Receiver is not null)
        {
            await Receiver.DisposeAsync();
        }
        if (Sandbox is not null)
        {
            await Sandbox.DisposeAsync();
        }
    }
}
