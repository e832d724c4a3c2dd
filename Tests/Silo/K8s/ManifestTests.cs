using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;
using Orleans.Runtime;
using PaymentNotifications.Api;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Merchants;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Grains.Webhooks;
using PaymentNotifications.Grains.Scheduling;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Silo.Hosting;
using PaymentNotifications.Silo.Metrics;
using PaymentNotifications.Silo.Operations;
using PaymentNotifications.Silo.Sandbox;
using PaymentNotifications.Tests.Infrastructure;
using PaymentNotifications.Tests.Silo.Metrics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PaymentNotifications.Tests.Silo.K8s;

/// <summary>
/// Every manifest in k8s/ parses and carries what a cluster needs; ports, probe paths, Orleans identity
/// and setting names agree with what the application actually reads and serves (the silo is built from
/// a Deployment's environment and its options are read back); alert rules name real metrics.
/// </summary>
public sealed partial class ManifestTests
{
    private const string Namespace = "notifications";

    // What the kubelet would put in the downward-API variables of a pod.
    private const string SamplePodName = "notifications-silo-5d8f7c9b46-x2kq7";
    private const string SamplePodIp = "10.244.1.17";

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

    // Orleans' own subsections of "Orleans" that a silo binds (Orleans' ApplyConfiguration and OrleansHosting).
    private static readonly Dictionary<string, Type> OrleansSections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Endpoints"] = typeof(EndpointOptions),
        ["Membership"] = typeof(ClusterMembershipOptions),
        ["Messaging"] = typeof(SiloMessagingOptions),
        ["Kubernetes"] = typeof(KubernetesHostingOptions),
    };

    private static readonly Lazy<List<Manifest>> All = new(() => Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "k8s"), "*.yaml")
        .Order(StringComparer.Ordinal)
        .SelectMany(file => YamlDocuments(File.ReadAllText(file)).Select(d => new Manifest(Path.GetFileName(file), Map(d))))
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
        foreach (var kind in new[] { "Namespace", "ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "StatefulSet", "Job", "ServiceAccount", "Role", "RoleBinding" })
        {
            Assert.Contains(All.Value, m => m.Kind == kind);
        }
    }

    [Fact]
    public void Silo_deployment_runs_three_replicas_with_probes_graceful_shutdown_and_resources()
    {
        var silo = Get("Deployment", "notifications-silo");
        Assert.True(int.Parse(Text(silo.Root, "spec", "replicas"), CultureInfo.InvariantCulture) >= 3);
        var pod = Map(Walk(silo.Root, "spec", "template", "spec"));
        var container = Containers(silo).Single();
        var port = ContainerPort(container, "http");

        Assert.Equal(port, UrlPort(Settings(silo, container)["ASPNETCORE_URLS"]));
        Assert.Equal("/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/health/live", Text(container, "livenessProbe", "httpGet", "path"));
        foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
        {
            Assert.Equal(port, ResolvePort(container, Text(container, probe, "httpGet", "port")));
        }
        Assert.Equal(port.ToString(CultureInfo.InvariantCulture), Text(silo.Root, "spec", "template", "metadata", "annotations", "prometheus.io/port"));

        // SIGTERM comes after preStop; the host then has shutdownTimeoutSeconds to leave the cluster gracefully.
        AssertGracePeriodCoversShutdown(silo, container);
        Assert.Equal("0", Text(silo.Root, "spec", "strategy", "rollingUpdate", "maxUnavailable"));
        Assert.Equal("notifications-silo", Text(pod, "serviceAccountName"));
        AssertResources(container);

        var budget = Get("PodDisruptionBudget", "notifications-silo");
        Assert.True(Map(Walk(budget.Root, "spec", "selector", "matchLabels")).All(p => Labels(silo).GetValueOrDefault(p.Key) == (string?)p.Value),
            "The disruption budget must select the silo pods");
        var scaler = Get("HorizontalPodAutoscaler", "notifications-silo");
        Assert.Equal("notifications-silo", Text(scaler.Root, "spec", "scaleTargetRef", "name"));
        Assert.True(int.Parse(Text(scaler.Root, "spec", "minReplicas"), CultureInfo.InvariantCulture) >= 3);
    }

    /// <summary>
    /// The silo built from the Deployment's environment (ConfigMap, Secret, env with the downward-API values a
    /// kubelet would give) listens on the container's silo and gateway ports, advertises the pod IP, has the
    /// cluster identity of the pod labels, runs Orleans' Kubernetes hosting and the configured shutdown timeout.
    /// </summary>
    [Fact]
    public async Task Silo_pods_carry_the_ports_identity_and_pod_details_the_silo_uses()
    {
        var silo = Get("Deployment", "notifications-silo");
        var container = Containers(silo).Single();
        var env = List(container["env"]).Select(Map).ToList();

        // Orleans' Kubernetes hosting reads these three from the environment.
        foreach (var (name, field) in new[]
        {
            (KubernetesHostingOptions.PodNameEnvironmentVariable, "metadata.name"),
            (KubernetesHostingOptions.PodNamespaceEnvironmentVariable, "metadata.namespace"),
            (KubernetesHostingOptions.PodIPEnvironmentVariable, "status.podIP"),
        })
        {
            var entry = env.SingleOrDefault(e => Text(e, "name") == name) ?? throw new Xunit.Sdk.XunitException($"The silo container has no {name}");
            Assert.Equal(field, Text(entry, "valueFrom", "fieldRef", "fieldPath"));
        }
        // Kubernetes expands $(NAME) only from variables defined before it in the list.
        var advertised = env.FindIndex(e => Text(e, "name") == "Orleans__Endpoints__AdvertisedIPAddress");
        Assert.True(advertised >= 0, "The silo must advertise its pod IP (Orleans__Endpoints__AdvertisedIPAddress)");
        Assert.Equal("$(POD_IP)", Text(env[advertised], "value"));
        Assert.True(env.FindIndex(e => Text(e, "name") == "POD_IP") < advertised, "POD_IP must be defined before the variables that use $(POD_IP)");

        var settings = Settings(silo, container);
        var labels = Labels(silo);
        var builder = Build(settings);
        Assert.Contains(builder.Services, d => d.ServiceType == typeof(ILifecycleParticipant<ISiloLifecycle>) && d.ImplementationType == typeof(KubernetesClusterAgent));
        await using var app = builder.Build();

        var endpoints = app.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal(ContainerPort(container, "silo"), endpoints.SiloListeningEndpoint?.Port ?? endpoints.SiloPort);
        Assert.Equal(ContainerPort(container, "gateway"), endpoints.GatewayListeningEndpoint?.Port ?? endpoints.GatewayPort);
        Assert.Equal(ContainerPort(container, "silo"), endpoints.SiloPort);
        Assert.Equal(ContainerPort(container, "gateway"), endpoints.GatewayPort);
        Assert.Equal(IPAddress.Parse(SamplePodIp), endpoints.AdvertisedIPAddress);

        // The Kubernetes hosting lists and watches the pods by these labels: they must be the silo's own ids.
        var cluster = app.Services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        Assert.Equal(cluster.ServiceId, labels.GetValueOrDefault(KubernetesHostingOptions.ServiceIdLabel));
        Assert.Equal(cluster.ClusterId, labels.GetValueOrDefault(KubernetesHostingOptions.ClusterIdLabel));
        Assert.Equal(settings["Orleans__ClusterId"], cluster.ClusterId);

        var shutdown = app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
        Assert.Equal(TimeSpan.FromSeconds(int.Parse(settings["shutdownTimeoutSeconds"], CultureInfo.InvariantCulture)), shutdown);
    }

    [Fact]
    public async Task Kubernetes_hosting_is_off_unless_configured()
    {
        foreach (var settings in new[]
        {
            new Dictionary<string, string>(),
            new Dictionary<string, string> { ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Database=notifications", ["Security__EncryptionKey"] = SiloApp.EncryptionKey },
        })
        {
            var builder = Build(settings);
            Assert.Contains(builder.Services, d => d.ServiceType == typeof(ILocalSiloDetails));
            Assert.DoesNotContain(builder.Services, d => d.ImplementationType == typeof(KubernetesClusterAgent));
            await using (builder.Build())
            {
            }
        }
    }

    /// <summary>What Orleans' Kubernetes hosting does with pods: read and label its own, list and watch the cluster's, delete a dead silo's.</summary>
    [Fact]
    public void Silo_service_account_may_watch_and_delete_the_pods_of_its_namespace()
    {
        var silo = Get("Deployment", "notifications-silo");
        var account = Text(silo.Root, "spec", "template", "spec", "serviceAccountName");
        Assert.Contains(All.Value, m => m.Kind == "ServiceAccount" && m.Name == account);
        Assert.NotEqual("false", Map(Walk(silo.Root, "spec", "template", "spec")).GetValueOrDefault("automountServiceAccountToken") as string);

        var roles = All.Value.Where(m => m.Kind == "RoleBinding"
                && List(m.Root["subjects"]).Select(Map).Any(s => Text(s, "kind") == "ServiceAccount" && Text(s, "name") == account && Text(s, "namespace") == Namespace)
                && Text(m.Root, "roleRef", "kind") == "Role")
            .Select(b => Get("Role", Text(b.Root, "roleRef", "name")))
            .ToList();
        Assert.NotEmpty(roles);
        var verbs = roles.SelectMany(r => List(r.Root["rules"]).Select(Map))
            .Where(rule => List(rule["apiGroups"]).Contains("") && List(rule["resources"]).Contains("pods"))
            .SelectMany(rule => List(rule["verbs"]).Cast<string>())
            .ToHashSet(StringComparer.Ordinal);
        foreach (var verb in new[] { "get", "list", "watch", "patch", "delete" })
        {
            Assert.Contains(verb, verbs);
        }
        Assert.Equal("true", Settings(silo, Containers(silo).Single())["Orleans__Kubernetes__Enabled"]);

        // Nothing else talks to the Kubernetes API.
        foreach (var other in new[] { Get("Deployment", "notifications-api"), Get("Job", "notifications-migrate") })
        {
            Assert.Equal("false", Text(other.Root, "spec", "template", "spec", "automountServiceAccountToken"));
        }
    }

    [Fact]
    public async Task Facade_deployment_is_an_Orleans_client_and_services_route_to_the_container_ports()
    {
        var api = Get("Deployment", "notifications-api");
        var container = Containers(api).Single();
        var settings = Settings(api, container);
        Assert.Equal("Client", settings.GetValueOrDefault(OrleansHosting.RoleKey.Replace(":", "__", StringComparison.Ordinal)));
        Assert.Equal("/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal(ContainerPort(container, "http"), UrlPort(settings["ASPNETCORE_URLS"]));
        Assert.DoesNotContain(List(container["ports"]).Select(Map), p => Text(p, "name") is "silo" or "gateway");
        AssertGracePeriodCoversShutdown(api, container);
        AssertResources(container);
        Assert.Equal("notifications-api", Text(Get("HorizontalPodAutoscaler", "notifications-api").Root, "spec", "scaleTargetRef", "name"));

        // Built from its environment it hosts no silo: only an Orleans client (no Kubernetes hosting either).
        var builder = Build(settings);
        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(ILocalSiloDetails));
        Assert.DoesNotContain(builder.Services, d => d.ImplementationType == typeof(KubernetesClusterAgent));
        Assert.Contains(builder.Services, d => d.ServiceType == typeof(IClusterClient));
        await using (builder.Build())
        {
        }

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
        Assert.Contains(names, n => n.Name == "Orleans__ServiceId");
        Assert.Contains(names, n => n.Name == "Storage__MaxPoolSize");
        foreach (var (where, name) in names)
        {
            Assert.False(name.StartsWith("Cluster__", StringComparison.Ordinal), $"{where}: '{name}' belongs to the runtime Orleans replaced");
            Assert.True(IsReadByTheApplication(name), $"{where}: '{name}' is not a setting the application reads");
        }
        var migrate = Get("Job", "notifications-migrate");
        Assert.Equal("true", Settings(migrate, Containers(migrate).Single())[MigrationCommand.ConfigurationKey.Replace(":", "__", StringComparison.Ordinal)]);
    }

    /// <summary>Every pod has its own pool: at the autoscalers' maximum they must still fit in the trial PostgreSQL's max_connections.</summary>
    [Fact]
    public void Connection_pools_at_full_scale_fit_in_PostgreSQL_max_connections()
    {
        var postgres = Get("StatefulSet", "notifications-postgres");
        var args = List(Containers(postgres).Single().GetValueOrDefault("args") ?? new List<object?>()).Cast<string>().ToList();
        var setting = args.Select(a => MaxConnections().Match(a)).SingleOrDefault(m => m.Success)
            ?? throw new Xunit.Sdk.XunitException("The trial PostgreSQL must set max_connections (-c max_connections=N)");
        var maxConnections = int.Parse(setting.Groups[1].Value, CultureInfo.InvariantCulture);
        const int superuserReserved = 3; // PostgreSQL's superuser_reserved_connections default

        var total = 0;
        var parts = new List<string>();
        foreach (var workload in All.Value.Where(m => m.Kind is "Deployment" or "Job"))
        {
            var scaler = All.Value.SingleOrDefault(m => m.Kind == "HorizontalPodAutoscaler" && Text(m.Root, "spec", "scaleTargetRef", "name") == workload.Name);
            var pods = workload.Kind == "Job"
                ? int.Parse(Map(workload.Root["spec"]).GetValueOrDefault("parallelism") as string ?? "1", CultureInfo.InvariantCulture)
                : int.Parse(scaler is null ? Text(workload.Root, "spec", "replicas") : Text(scaler.Root, "spec", "maxReplicas"), CultureInfo.InvariantCulture);
            var settings = Settings(workload, Containers(workload).Single());
            var pool = settings.TryGetValue("Storage__MaxPoolSize", out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : new PostgresStorageOptions().MaxPoolSize;
            var options = new PostgresStorageOptions { MaxPoolSize = pool };
            if (settings.TryGetValue("Storage__MaxConcurrentBatches", out var batches))
            {
                options.MaxConcurrentBatches = int.Parse(batches, CultureInfo.InvariantCulture);
            }
            Assert.Empty(options.Validate());
            total += pods * pool;
            parts.Add($"{workload.Name} {pods} x {pool}");
        }
        Assert.True(total <= maxConnections - superuserReserved,
            $"{string.Join(" + ", parts)} = {total} connections; PostgreSQL allows {maxConnections} less {superuserReserved} reserved");
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
        var rules = Map(YamlDocuments(Text(rulesMap.Root, "data", "notifications.rules.yml")).Single());
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
        Assert.Contains("notifications_reminders_lag_seconds", Selectors(Text(all.Single(r => Text(r, "alert") == "ReminderLagHigh"), "expr")).Select(s => s.Metric));

        var selectors = all.SelectMany(r => Selectors(Text(r, "expr")).Select(s => (Alert: Text(r, "alert"), s.Metric, s.Matchers))).ToList();
        Assert.Contains(selectors, s => s.Alert == "NoLiveSilo" && s.Metric == "notifications_cluster_silos" && s.Matchers.Contains(("status", "=", "active")));
        Assert.DoesNotContain(selectors, s => s.Metric.Contains("partition", StringComparison.Ordinal) || s.Metric == "notifications_silo_activations");

        var needed = selectors.Select(s => s.Metric).Where(m => m != "up").ToHashSet(StringComparer.Ordinal);
        var exported = await ScrapeDurableSiloAsync(needed);
        foreach (var (alert, metric, matchers) in selectors.Where(s => s.Metric != "up"))
        {
            Assert.True(exported.Has(metric),
                $"Alert {alert} uses {metric}, which a silo does not export (exported: {string.Join(", ", exported.SampleNames.Where(n => n.StartsWith("notifications", StringComparison.Ordinal)).Distinct())})");
            foreach (var (label, _, _) in matchers)
            {
                Assert.True(exported.LabelNames(metric).Contains(label), $"Alert {alert} selects {metric} by '{label}', a label it does not carry");
            }
        }
        // A healthy durable silo is in the series NoLiveSilo looks for, so the rule is quiet while the cluster is up.
        Assert.True(exported.Sum("notifications_cluster_silos", ("status", "active")) >= 1, "A running silo must report itself active");
    }

    [Fact]
    public void Selectors_read_the_series_of_a_PromQL_expression()
    {
        var selectors = Selectors("""
            sum by (channel) (rate(notifications_attempts_total{channel="sms",outcome=~"retryable|unknown"}[2m])) / ignoring(le) max(notifications_queue_pending) > 0.05
              and on(instance) increase(notifications_reminders_fired_total[5m]) > 0 or absent(up{job="notifications-silo"}) or histogram_quantile(0.99, sum(rate(db_client_operation_duration_seconds_bucket[5m])) by (le)) > 1e3
            """);
        Assert.Equal(["notifications_attempts_total", "notifications_queue_pending", "notifications_reminders_fired_total", "up", "db_client_operation_duration_seconds_bucket"],
            selectors.Select(s => s.Metric));
        Assert.Equal([("channel", "=", "sms"), ("outcome", "=~", "retryable|unknown")], selectors[0].Matchers);
        Assert.Equal([("job", "=", "notifications-silo")], selectors[3].Matchers);
    }

    // A silo on PostgreSQL after a little traffic, scraped until every metric the rules need is there (or a deadline passes).
    private static async Task<PrometheusScrape> ScrapeDurableSiloAsync(IReadOnlySet<string> needed)
    {
        var connection = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("k8s");
        // Durable mode serves no sandbox: the providers are the generator's sandbox, configured as real ones would be.
        await using var sandbox = await SandboxProviders.StartAsync(new SandboxOptions());
        await using var app = new SiloApp(connection, new Dictionary<string, string?>(sandbox.AdapterConfiguration()) { ["Delivery:MaxAttempts"] = "1" });
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.NewTenantAsync();
        await tenant.PutEndpointAsync("m-1", receiver.Url);
        var ok = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("ok", "m-1"));
        await tenant.WaitForFinalAsync(ok);
        receiver.Respond = (_, _) => 500;
        var failed = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("failing", "m-1"));
        Assert.Equal("FAILED", (await tenant.WaitForFinalAsync(failed)).State());

        var client = app.CreateClient();
        PrometheusScrape scrape = null!;
        try
        {
            // The backlog figures come from a periodic sample; the first one may not have been taken yet.
            await Eventually.HoldsAsync(async () =>
            {
                var response = await client.GetAsync("/metrics");
                response.EnsureSuccessStatusCode();
                scrape = PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());
                return needed.All(scrape.Has);
            }, TimeSpan.FromSeconds(60), "every metric the alert rules use is exported");
        }
        catch (TimeoutException)
        {
            // The assertions name what is missing.
        }
        return scrape;
    }

    private static bool IsReadByTheApplication(string envName)
    {
        if (envName is "ASPNETCORE_URLS" or "shutdownTimeoutSeconds" or "ConnectionStrings__Postgres"
            or KubernetesHostingOptions.PodNameEnvironmentVariable or KubernetesHostingOptions.PodNamespaceEnvironmentVariable or KubernetesHostingOptions.PodIPEnvironmentVariable)
        {
            return true;
        }
        var key = envName.Replace("__", ":", StringComparison.Ordinal);
        if (key.StartsWith("Logging:LogLevel:", StringComparison.Ordinal)
            || key.Equals(MigrationCommand.ConfigurationKey, StringComparison.OrdinalIgnoreCase)
            || key.Equals(OrleansHosting.RoleKey, StringComparison.OrdinalIgnoreCase)
            || key.Equals(OrleansHosting.KubernetesKey, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var parts = key.Split(':');
        if (parts[0].Equals("Orleans", StringComparison.OrdinalIgnoreCase))
        {
            return parts.Length switch
            {
                // Orleans binds the whole "Orleans" section to ClusterOptions, and reads Orleans:Name as the silo name.
                2 => parts[1].Equals("Name", StringComparison.OrdinalIgnoreCase) || HasSettable(typeof(ClusterOptions), parts[1]),
                3 => OrleansSections.TryGetValue(parts[1], out var type) && HasSettable(type, parts[2]),
                _ => false,
            };
        }
        return parts.Length == 2 && OptionSections.TryGetValue(parts[0], out var types) && types.Any(t => HasSettable(t, parts[1]));
    }

    private static bool HasSettable(Type type, string property) =>
        type.GetProperty(property, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { CanWrite: true, SetMethod.IsPublic: true };

    // The silo host as Program builds it from these environment variables (names in their env form), not started.
    private static WebApplicationBuilder Build(IReadOnlyDictionary<string, string> environment)
    {
        var configuration = environment.ToDictionary(
            p => (p.Key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) ? p.Key["ASPNETCORE_".Length..] : p.Key).Replace("__", ":", StringComparison.Ordinal),
            p => (string?)p.Value);
        if (configuration.GetValueOrDefault("Security:EncryptionKey") is "CHANGE-ME")
        {
            configuration["Security:EncryptionKey"] = SiloApp.EncryptionKey;
        }
        if (configuration.GetValueOrDefault("Api:AdminKey") is "CHANGE-ME")
        {
            configuration["Api:AdminKey"] = SiloApp.AdminKey;
        }
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddNotificationSilo();
        return builder;
    }

    private static void AssertGracePeriodCoversShutdown(Manifest workload, Dictionary<string, object?> container)
    {
        var pod = Map(Walk(workload.Root, "spec", "template", "spec"));
        var preStop = List(Walk(container, "lifecycle", "preStop", "exec", "command")).Cast<string>().ToList();
        Assert.Equal("sleep", preStop[0]);
        var shutdown = int.Parse(Settings(workload, container)["shutdownTimeoutSeconds"], CultureInfo.InvariantCulture);
        Assert.True(int.Parse(Text(pod, "terminationGracePeriodSeconds"), CultureInfo.InvariantCulture) >= int.Parse(preStop[1], CultureInfo.InvariantCulture) + shutdown,
            $"{workload.Name}: terminationGracePeriodSeconds must cover the preStop pause and the host's shutdown timeout");
    }

    private static void AssertResources(Dictionary<string, object?> container)
    {
        foreach (var bound in new[] { "requests", "limits" })
        {
            Assert.False(string.IsNullOrEmpty(Text(container, "resources", bound, "cpu")), $"resources.{bound}.cpu");
            Assert.False(string.IsNullOrEmpty(Text(container, "resources", bound, "memory")), $"resources.{bound}.memory");
        }
    }

    /// <summary>
    /// The container's environment as the kubelet gives it: its ConfigMaps and Secrets, then its own env in order,
    /// downward-API fields filled with a sample pod's values and $(NAME) expanded from what is defined before.
    /// </summary>
    private static Dictionary<string, string> Settings(Manifest workload, Dictionary<string, object?> container)
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
            settings[Text(env, "name")] = env.TryGetValue("value", out var value)
                ? DependentVariable().Replace((string)value!, m => settings.TryGetValue(m.Groups[1].Value, out var defined) ? defined : m.Value)
                : Text(env, "valueFrom", "fieldRef", "fieldPath") switch
                {
                    "metadata.name" => SamplePodName,
                    "metadata.namespace" => Text(workload.Root, "metadata", "namespace"),
                    "status.podIP" => SamplePodIp,
                    var other => throw new Xunit.Sdk.XunitException($"{workload.Name}: unexpected env source {other}"),
                };
        }
        return settings;
    }

    /// <summary>
    /// The series selectors of a PromQL expression: metric names with their label matchers. Strings, ranges,
    /// grouping clauses (by, on, ...), operators and function names are skipped.
    /// </summary>
    private static List<(string Metric, List<(string Label, string Op, string Value)> Matchers)> Selectors(string expr)
    {
        var found = new List<(string, List<(string, string, string)>)>();
        var keywords = new HashSet<string>(StringComparer.Ordinal) { "and", "or", "unless", "bool", "offset" };
        var grouping = new HashSet<string>(StringComparer.Ordinal) { "by", "without", "on", "ignoring", "group_left", "group_right" };
        // Aggregations may put their grouping before the parenthesis: sum by (channel) (...).
        var aggregations = new HashSet<string>(StringComparer.Ordinal) { "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio" };
        var i = 0;
        while (i < expr.Length)
        {
            var c = expr[i];
            if (c == '"')
            {
                i = expr.IndexOf('"', i + 1) + 1;
            }
            else if (c == '[')
            {
                i = expr.IndexOf(']', i) + 1;
            }
            else if (char.IsDigit(c))
            {
                while (i < expr.Length && (char.IsLetterOrDigit(expr[i]) || expr[i] == '.'))
                {
                    i++;
                }
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < expr.Length && (char.IsLetterOrDigit(expr[i]) || expr[i] is '_' or ':'))
                {
                    i++;
                }
                var word = expr[start..i];
                var next = i;
                while (next < expr.Length && char.IsWhiteSpace(expr[next]))
                {
                    next++;
                }
                if (grouping.Contains(word))
                {
                    i = next < expr.Length && expr[next] == '(' ? expr.IndexOf(')', next) + 1 : next;
                }
                else if (keywords.Contains(word) || aggregations.Contains(word) || (next < expr.Length && expr[next] == '('))
                {
                    // an operator, an aggregation or a function: its arguments are read as they come
                }
                else
                {
                    var matchers = new List<(string, string, string)>();
                    if (next < expr.Length && expr[next] == '{')
                    {
                        var end = expr.IndexOf('}', next);
                        matchers.AddRange(LabelMatcher().Matches(expr[(next + 1)..end]).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)));
                        i = end + 1;
                    }
                    found.Add((word, matchers));
                }
            }
            else
            {
                i++;
            }
        }
        return found;
    }

    private static int ContainerPort(Dictionary<string, object?> container, string name) =>
        int.Parse(Text(List(container["ports"]).Select(Map).Single(p => Text(p, "name") == name), "containerPort"), CultureInfo.InvariantCulture);

    private static int ResolvePort(Dictionary<string, object?> container, string port) =>
        int.TryParse(port, CultureInfo.InvariantCulture, out var number) ? number : ContainerPort(container, port);

    private static int UrlPort(string urls) => new Uri(urls.Split(';')[0].Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;

    private static Dictionary<string, string> Labels(Manifest deployment) =>
        Map(Walk(deployment.Root, "spec", "template", "metadata", "labels")).ToDictionary(p => p.Key, p => (string)p.Value!);

    private static List<Dictionary<string, object?>> Containers(Manifest workload) =>
        [.. List(Walk(workload.Root, "spec", "template", "spec", "containers")).Select(Map)];

    // The documents of a YAML text (separated by ---), as dictionaries, lists and string scalars; empty documents are skipped.
    private static List<object?> YamlDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => Plain(d.RootNode)).Where(d => d is not null)];
    }

    private static object? Plain(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value ?? "", p => Plain(p.Value), StringComparer.Ordinal),
        YamlSequenceNode sequence => sequence.Children.Select(Plain).ToList(),
        // An empty or ~ plain scalar is YAML's null (a key with no value); every other scalar is kept as its text.
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or null } => null,
        YamlScalarNode scalar => scalar.Value,
        _ => throw new Xunit.Sdk.XunitException($"Unexpected YAML node {node.NodeType} at {node.Start}"),
    };

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

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*""((?:\\.|[^""\\])*)""")]
    private static partial Regex LabelMatcher();

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex DependentVariable();

    [GeneratedRegex(@"^max_connections=([0-9]+)$")]
    private static partial Regex MaxConnections();
}
