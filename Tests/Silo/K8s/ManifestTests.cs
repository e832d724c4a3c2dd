using System.Reflection;
using System.Text.RegularExpressions;
using PaymentNotifications.Api;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Merchants;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Grains.Webhooks;
using PaymentNotifications.Grains.Scheduling;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Silo.Metrics;
using PaymentNotifications.Silo.Operations;
using PaymentNotifications.Tests.Infrastructure;
using PaymentNotifications.Tests.Silo.Metrics;

namespace PaymentNotifications.Tests.Silo.K8s;

/// <summary>
/// Every manifest in k8s/ parses and carries what a cluster needs; ports, probe paths and setting
/// names agree with what the application actually reads and serves; alert rules name real metrics.
/// </summary>
public sealed partial class ManifestTests
{
    private const string Namespace = "notifications";

    private static readonly Dictionary<string, Type[]> OptionSections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Scheduling"] = [typeof(AttemptSchedulingOptions)],
        ["Storage"] = [typeof(PostgresStorageOptions)],
        ["Api"] = [typeof(ApiOptions)],
        ["Delivery"] = [typeof(DeliveryOptions)],
        ["Reconciliation"] = [typeof(ReconciliationOptions)],
        ["Webhooks"] = [typeof(WebhookEndpointOptions), typeof(WebhookTargetGuardOptions)],
        ["Operations"] = [typeof(OperationsOptions)],
        ["Metrics"] = [typeof(MetricsOptions)],
        ["Telemetry"] = [typeof(TelemetryOptions)],
        ["Security"] = [typeof(global::PaymentNotifications.Grains.Security.SecurityOptions)],
    };

    private static readonly Lazy<List<Manifest>> All = new(() => Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "k8s"), "*.yaml")
        .Order(StringComparer.Ordinal)
        .SelectMany(file => YamlSubset.ParseDocuments(File.ReadAllText(file)).Select(d => new Manifest(Path.GetFileName(file), Map(d))))
        .ToList());

    private sealed record Manifest(string File, Dictionary<string, object?> Root)
    {
        public string Kind => Text(Root, "kind");
        public string Name => Text(Root, "metadata", "name");
    }

    [Fact]
    public void Every_manifest_parses_and_names_its_kind_and_namespace()
    {
        Assert.NotEmpty(All.Value);
        foreach (var manifest in All.Value)
        {
            Assert.False(string.IsNullOrEmpty(Text(manifest.Root, "apiVersion")), $"{manifest.File}: apiVersion");
            Assert.False(string.IsNullOrEmpty(manifest.Kind), $"{manifest.File}: kind");
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", manifest.Name);
            if (manifest.Kind != "Namespace")
            {
                Assert.Equal(Namespace, Text(manifest.Root, "metadata", "namespace"));
            }
        }
        foreach (var kind in new[] { "Namespace", "ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "StatefulSet", "Job" })
        {
            Assert.Contains(All.Value, m => m.Kind == kind);
        }
    }

    [Fact]
    public void Silo_deployment_runs_three_replicas_with_probes_graceful_handover_and_resources()
    {
        var silo = Get("Deployment", "notifications-silo");
        Assert.True(int.Parse(Text(silo.Root, "spec", "replicas")) >= 3);
        var pod = Map(Walk(silo.Root, "spec", "template", "spec"));
        var container = Containers(silo).Single();
        var port = ContainerPort(container, "http");

        Assert.Equal(port, UrlPort(Settings(container)["ASPNETCORE_URLS"]));
        Assert.Equal("/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/health/live", Text(container, "livenessProbe", "httpGet", "path"));
        foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
        {
            Assert.Equal(port, ResolvePort(container, Text(container, probe, "httpGet", "port")));
        }
        Assert.Equal(port.ToString(), Text(silo.Root, "spec", "template", "metadata", "annotations", "prometheus.io/port"));

        // SIGTERM comes after preStop; the host then has shutdownTimeoutSeconds to hand partitions over.
        var preStop = List(Walk(container, "lifecycle", "preStop", "exec", "command")).Cast<string>().ToList();
        Assert.Equal("sleep", preStop[0]);
        var handover = int.Parse(Settings(container)["shutdownTimeoutSeconds"]);
        Assert.True(int.Parse(Text(pod, "terminationGracePeriodSeconds")) >= int.Parse(preStop[1]) + handover,
            "terminationGracePeriodSeconds must cover the preStop pause and the handover timeout");
        Assert.Equal("0", Text(silo.Root, "spec", "strategy", "rollingUpdate", "maxUnavailable"));
        AssertResources(container);

        var budget = Get("PodDisruptionBudget", "notifications-silo");
        Assert.True(Map(Walk(budget.Root, "spec", "selector", "matchLabels")).All(p => Labels(silo).GetValueOrDefault(p.Key) == (string?)p.Value),
            "The disruption budget must select the silo pods");
        var scaler = Get("HorizontalPodAutoscaler", "notifications-silo");
        Assert.Equal("notifications-silo", Text(scaler.Root, "spec", "scaleTargetRef", "name"));
        Assert.True(int.Parse(Text(scaler.Root, "spec", "minReplicas")) >= 3);
    }

    [Fact]
    public void Facade_deployment_and_services_route_to_the_container_ports()
    {
        var api = Get("Deployment", "notifications-api");
        var container = Containers(api).Single();
        Assert.Equal("Client", Settings(container)["Cluster__Role"]);
        Assert.Equal("/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
        AssertResources(container);
        Assert.Equal("notifications-api", Text(Get("HorizontalPodAutoscaler", "notifications-api").Root, "spec", "scaleTargetRef", "name"));

        foreach (var (service, deployment) in new[] { ("notifications-api", api), ("notifications-silo", Get("Deployment", "notifications-silo")) })
        {
            var spec = Map(Get("Service", service).Root["spec"]);
            var selector = Map(spec["selector"]).ToDictionary(p => p.Key, p => (string)p.Value!);
            Assert.True(selector.All(s => Labels(deployment).TryGetValue(s.Key, out var v) && v == s.Value), $"Service {service} must select its pods");
            foreach (var port in List(spec["ports"]).Select(Map))
            {
                ResolvePort(Containers(deployment).Single(), Text(port, "targetPort"));
            }
        }
    }

    [Fact]
    public void Every_setting_name_is_one_the_application_reads()
    {
        var names = new List<(string Where, string Name)>();
        foreach (var manifest in All.Value.Where(m => m.Kind is "ConfigMap" or "Secret" && m.Name is "notifications-config" or "notifications-secrets"))
        {
            var data = Map(manifest.Root.GetValueOrDefault("data") ?? manifest.Root["stringData"]);
            names.AddRange(data.Keys.Select(k => (manifest.Name, k)));
        }
        foreach (var manifest in All.Value.Where(m => m.Kind is "Deployment" or "Job"))
        {
            foreach (var container in Containers(manifest).Where(c => Text(c, "image").StartsWith("notifications-orleans/", StringComparison.Ordinal)))
            {
                names.AddRange(List(container.GetValueOrDefault("env") ?? new List<object?>()).Select(e => (manifest.Name, Text(Map(e), "name"))));
                var sources = List(container["envFrom"]).Select(Map).Select(s => s.ContainsKey("configMapRef") ? ("ConfigMap", Text(s, "configMapRef", "name")) : ("Secret", Text(s, "secretRef", "name")));
                foreach (var (kind, name) in sources)
                {
                    Assert.Contains(All.Value, m => m.Kind == kind && m.Name == name);
                }
            }
        }
        Assert.Contains(names, n => n.Name == "ConnectionStrings__Postgres");
        Assert.Contains(names, n => n.Name == "Api__AdminKey");
        Assert.Contains(names, n => n.Name == "Orleans__ClusterId");
        foreach (var (where, name) in names)
        {
            Assert.True(IsReadByTheApplication(name), $"{where}: '{name}' is not a setting the application reads");
        }
        var migrate = Containers(Get("Job", "notifications-migrate")).Single();
        Assert.Equal("true", Settings(migrate)[MigrationCommand.ConfigurationKey.Replace(":", "__", StringComparison.Ordinal)]);
    }

    [Fact]
    public async Task Probe_and_scrape_paths_are_served_by_the_application()
    {
        var silo = Get("Deployment", "notifications-silo");
        var container = Containers(silo).Single();
        var paths = new[]
        {
            Text(container, "readinessProbe", "httpGet", "path"),
            Text(container, "livenessProbe", "httpGet", "path"),
            Text(silo.Root, "spec", "template", "metadata", "annotations", "prometheus.io/path"),
        };
        await using var app = new SiloApp(null);
        var client = app.CreateClient();
        foreach (var path in paths)
        {
            var response = await client.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Alert_rules_cover_the_required_cases_and_name_metrics_a_durable_silo_exports()
    {
        var rulesMap = Get("ConfigMap", "notifications-alert-rules");
        var rules = Map(YamlSubset.Parse(Text(rulesMap.Root, "data", "notifications.rules.yml")));
        var all = List(rules["groups"]).Select(Map).SelectMany(g => List(g["rules"]).Select(Map)).ToList();
        foreach (var rule in all)
        {
            Assert.False(string.IsNullOrWhiteSpace(Text(rule, "expr")), $"{Text(rule, "alert")}: expr");
            Assert.Matches("^[0-9]+[smh]$", Text(rule, "for"));
            Assert.Contains(Text(rule, "labels", "severity"), new[] { "page", "ticket" });
            Assert.False(string.IsNullOrWhiteSpace(Text(rule, "annotations", "summary")));
        }
        var alerts = all.Select(r => Text(r, "alert")).ToList();
        Assert.Equal(alerts.Count, alerts.Distinct().Count());
        Assert.Contains("SmsFailureRateHigh", alerts);
        Assert.Contains("OldestPendingTooOld", alerts);
        Assert.Contains("ProviderCircuitOpen", alerts);
        Assert.Contains("ReminderLagHigh", alerts);
        Assert.Contains("NoLiveSilo", alerts);
        Assert.Contains("2m", Text(all.Single(r => Text(r, "alert") == "SmsFailureRateHigh"), "for"));
        Assert.Contains("0.05", Text(all.Single(r => Text(r, "alert") == "SmsFailureRateHigh"), "expr"));
        Assert.Contains("300", Text(all.Single(r => Text(r, "alert") == "OldestPendingTooOld"), "expr"));
        Assert.Equal("10m", Text(all.Single(r => Text(r, "alert") == "ProviderCircuitOpen"), "for"));

        var exported = await ScrapeDurableSiloAsync();
        foreach (var rule in all)
        {
            foreach (Match metric in MetricName().Matches(Text(rule, "expr")))
            {
                var name = metric.Value;
                Assert.True(name == "up" || exported.SampleNames.Contains(name),
                    $"Alert {Text(rule, "alert")} uses {name}, which a silo does not export (exported: {string.Join(", ", exported.SampleNames.Where(n => n.StartsWith("notifications", StringComparison.Ordinal)).Distinct())})");
            }
        }
    }

    // A silo on PostgreSQL after a little traffic, so that storage and delivery metrics exist.
    private static async Task<PrometheusScrape> ScrapeDurableSiloAsync()
    {
        var connection = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("k8s");
        await using var app = new SiloApp(connection, new Dictionary<string, string?> { ["Delivery:MaxAttempts"] = "1", ["Sandbox:Enabled"] = "true" });
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.NewTenantAsync();
        await tenant.PutEndpointAsync("m-1", receiver.Url);
        var ok = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("ok", "m-1"));
        await tenant.WaitForFinalAsync(ok);
        receiver.Respond = (_, _) => 500;
        var failed = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("failing", "m-1"));
        Assert.Equal("FAILED", (await tenant.WaitForFinalAsync(failed)).State());
        var response = await app.CreateClient().GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());
    }

    private static bool IsReadByTheApplication(string envName)
    {
        if (envName is "ASPNETCORE_URLS" or "shutdownTimeoutSeconds" or "POD_IP" or "ConnectionStrings__Postgres")
        {
            return true;
        }
        var key = envName.Replace("__", ":", StringComparison.Ordinal);
        if (key.StartsWith("Logging:LogLevel:", StringComparison.Ordinal)
            || key.Equals(MigrationCommand.ConfigurationKey, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var parts = key.Split(':');
        return parts.Length == 2 && OptionSections.TryGetValue(parts[0], out var types)
            && types.Any(t => t.GetProperty(parts[1], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { CanWrite: true });
    }

    private static void AssertResources(Dictionary<string, object?> container)
    {
        foreach (var bound in new[] { "requests", "limits" })
        {
            Assert.False(string.IsNullOrEmpty(Text(container, "resources", bound, "cpu")), $"resources.{bound}.cpu");
            Assert.False(string.IsNullOrEmpty(Text(container, "resources", bound, "memory")), $"resources.{bound}.memory");
        }
    }

    // The container's settings as it sees them: its ConfigMaps and Secrets, then its own env.
    private static Dictionary<string, string> Settings(Dictionary<string, object?> container)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in List(container.GetValueOrDefault("envFrom") ?? new List<object?>()).Select(Map))
        {
            var (kind, name) = source.ContainsKey("configMapRef") ? ("ConfigMap", Text(source, "configMapRef", "name")) : ("Secret", Text(source, "secretRef", "name"));
            var manifest = Get(kind, name);
            foreach (var (key, value) in Map(manifest.Root.GetValueOrDefault("data") ?? manifest.Root["stringData"]))
            {
                settings[key] = (string)value!;
            }
        }
        foreach (var env in List(container.GetValueOrDefault("env") ?? new List<object?>()).Select(Map))
        {
            settings[Text(env, "name")] = env.TryGetValue("value", out var value) ? (string)value! : "(from field)";
        }
        return settings;
    }

    private static int ContainerPort(Dictionary<string, object?> container, string name) =>
        int.Parse(Text(List(container["ports"]).Select(Map).Single(p => Text(p, "name") == name), "containerPort"));

    private static int ResolvePort(Dictionary<string, object?> container, string port) =>
        int.TryParse(port, out var number) ? number : ContainerPort(container, port);

    private static int UrlPort(string urls) => new Uri(urls.Split(';')[0].Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;

    private static Dictionary<string, string> Labels(Manifest deployment) =>
        Map(Walk(deployment.Root, "spec", "template", "metadata", "labels")).ToDictionary(p => p.Key, p => (string)p.Value!);

    private static List<Dictionary<string, object?>> Containers(Manifest workload) =>
        [.. List(Walk(workload.Root, "spec", "template", "spec", "containers")).Select(Map)];

    private static Manifest Get(string kind, string name) => All.Value.Single(m => m.Kind == kind && m.Name == name);

    private static object? Walk(Dictionary<string, object?> node, params string[] path)
    {
        object? current = node;
        foreach (var key in path)
        {
            current = current is Dictionary<string, object?> map && map.TryGetValue(key, out var next)
                ? next
                : throw new Xunit.Sdk.XunitException($"Missing {string.Join('.', path)}");
        }
        return current;
    }

    private static string Text(Dictionary<string, object?> node, params string[] path) => Walk(node, path) as string ?? "";

    private static Dictionary<string, object?> Map(object? node) =>
        node as Dictionary<string, object?> ?? throw new Xunit.Sdk.XunitException($"Expected a mapping, found {node?.GetType().Name ?? "nothing"}");

    private static List<object?> List(object? node) =>
        node as List<object?> ?? throw new Xunit.Sdk.XunitException($"Expected a sequence, found {node?.GetType().Name ?? "nothing"}");

    // Metric names in a PromQL expression: ours, ASP.NET Core's, Npgsql's, and Prometheus' own "up".
    [GeneratedRegex(@"\b(notifications_[a-z0-9_]+|http_server_[a-z0-9_]+|db_client_[a-z0-9_]+|up)\b(?=\s*[\{\[\)])")]
    private static partial Regex MetricName();
}
