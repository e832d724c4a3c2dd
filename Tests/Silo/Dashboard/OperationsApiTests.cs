using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using PaymentNotifications.Client.Models;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Silo.Dashboard;

/// <summary>The admin routes behind the dashboard: cluster, stats, finding a notification; admin key only.</summary>
public sealed class OperationsApiTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Cluster_view_has_the_shape_the_client_library_reads()
    {
        await using var app = new SiloApp(null);
        var tenant = await app.NewTenantAsync();
        await tenant.SubmitWebhookAsync("k-1", "m-none");

        var cluster = await app.Admin().GetFromJsonAsync<ClusterView>("/v1/admin/cluster", Web);
        var raw = await (await app.Admin().GetAsync("/v1/admin/cluster")).ReadJsonAsync();

        var silo = Assert.Single(cluster!.Silos);
        Assert.Equal("active", silo.Status);
        Assert.True(silo.Activations >= 1);
        var self = raw["silos"]![0]!;
        Assert.True(self["self"]!.GetValue<bool>());
        Assert.True(self["memoryBytes"]!.GetValue<long>() > 0);
        Assert.True(self["uptimeSeconds"]!.GetValue<double>() >= 0);
        // The eight scheduler grains run here, one activation each.
        Assert.Equal(8, self["activationsByType"]!["SchedulerGrain"]!.GetValue<int>());
        Assert.Null(raw["partitionOwners"]);
    }

    [Fact]
    public async Task Stats_report_traffic_queue_latency_and_reminders()
    {
        await using var app = new SiloApp(null, new Dictionary<string, string?> { ["Operations:SampleInterval"] = "00:00:00.200", ["Operations:BacklogMaxAge"] = "00:00:00" });
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.NewTenantAsync();
        await tenant.PutEndpointAsync("m-1", receiver.Url);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync($"s-{i}", "m-1")));
        }
        foreach (var id in ids)
        {
            Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(id)).State());
        }
        await tenant.SubmitWebhookAsync("later", "m-1", sendAt: DateTimeOffset.UtcNow.AddHours(1));

        // Sampling runs on its own clock: wait until a sample after the deliveries is in.
        JsonObject stats;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            await Task.Delay(100);
            stats = await (await app.Admin().GetAsync("/v1/admin/stats")).ReadJsonAsync();
        }
        while ((SumOf(stats, "attempts", "delivered") < 4 || SumOf(stats, "accepted", null) < 5) && DateTime.UtcNow < deadline);

        Assert.Equal(5, SumOf(stats, "accepted", null));
        Assert.Equal(4, SumOf(stats, "attempts", "delivered"));
        Assert.Equal(1, stats["queue"]!["pending"]!.GetValue<long>());
        Assert.Equal(0, stats["queue"]!["overdue"]!.GetValue<long>());
        Assert.Equal(4, stats["queue"]!["byState"]!["SUCCESS"]!.GetValue<long>());
        Assert.Equal(4, stats["latency"]!["endToEnd"]!["count"]!.GetValue<long>());
        Assert.Equal(1.0, stats["latency"]!["deliveredWithin30sRatio"]!.GetValue<double>());
        Assert.Equal(4, stats["latency"]!["firstAttempt"]!["count"]!.GetValue<long>());
        Assert.NotNull(stats["latency"]!["firstAttempt"]!["p50"]);
        var webhook = stats["providers"]!.AsArray().Single(p => p!["provider"]!.GetValue<string>() == "webhook")!;
        Assert.Equal(1.0, webhook["successRate"]!.GetValue<double>());
        Assert.Equal(4, webhook["delivered"]!.GetValue<long>());
        // The scheduled one's reminder is an hour away: nothing is due, nothing is late.
        Assert.Equal(0, stats["reminders"]!["due"]!.GetValue<long>());
        Assert.Equal(0, stats["reminders"]!["lagSeconds"]!.GetValue<double>());
        Assert.True(stats["reminders"]!["fired"]!.GetValue<long>() >= 0);
        Assert.Single(stats["silosReporting"]!.AsArray());
    }

    [Fact]
    public async Task Any_notification_is_found_by_id_or_by_tenant_and_idempotency_key()
    {
        await using var app = new SiloApp(null);
        var name = $"finder-{Guid.NewGuid():N}";
        var created = await (await app.Admin().PostAsJsonAsync("/v1/admin/tenants", new { name })).ReadJsonAsync();
        var tenant = app.Tenant(created["apiKey"]!.GetValue<string>());
        var id = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("find-me", "m-none"));

        var byId = await (await app.Admin().GetAsync($"/v1/admin/notifications/{id}")).ReadJsonAsync();
        var byName = await (await app.Admin().GetAsync($"/v1/admin/notifications?tenant={name}&idempotencyKey=find-me")).ReadJsonAsync();
        var byTenantId = await (await app.Admin().GetAsync($"/v1/admin/notifications?tenant={created["id"]}&idempotencyKey=find-me")).ReadJsonAsync();

        Assert.Equal(id, byId["notification"]!["id"]!.GetValue<string>());
        Assert.Equal(created["id"]!.GetValue<string>(), byId["tenantId"]!.GetValue<string>());
        Assert.Equal(id, byName["notification"]!["id"]!.GetValue<string>());
        Assert.Equal(id, byTenantId["notification"]!["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().GetAsync("/v1/admin/notifications/ntf_00000000000000000000000000000000")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().GetAsync($"/v1/admin/notifications?tenant={name}&idempotencyKey=other")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin().GetAsync("/v1/admin/notifications?tenant=x")).StatusCode);
    }

    [Fact]
    public async Task Operations_routes_need_the_admin_key_and_the_dashboard_page_does_not()
    {
        await using var app = new SiloApp(null);
        var anonymous = app.CreateClient();
        var tenant = await app.NewTenantAsync();

        foreach (var path in new[] { "/v1/admin/cluster", "/v1/admin/stats", "/v1/admin/silo", "/v1/admin/notifications/x" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await tenant.GetAsync(path)).StatusCode);
        }
        var page = await anonymous.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/dashboard/dashboard.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/dashboard/secrets.json")).StatusCode);
    }

    [Fact]
    public async Task Two_silos_on_postgres_each_report_their_own_load_in_one_cluster_view()
    {
        var connection = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("ops");
        await using var first = await LiveSilo.StartAsync(connectionString: connection);
        await using var second = await LiveSilo.StartAsync(connectionString: connection);
        using var admin = first.Admin();

        JsonObject cluster;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(200);
            cluster = await (await admin.GetAsync("/v1/admin/cluster")).ReadJsonAsync();
        }
        while (!(Silos(cluster).Count(s => s["status"]!.GetValue<string>() == "active" && s["reachable"]!.GetValue<bool>()) == 2
                 && SchedulerActivations(cluster) == 8) && DateTime.UtcNow < deadline);

        var silos = Silos(cluster).Where(s => s["status"]!.GetValue<string>() == "active").ToList();
        Assert.Equal(2, silos.Count);
        Assert.All(silos, s => Assert.True(s["reachable"]!.GetValue<bool>(), $"{s["id"]} was not reachable at {s["address"]}"));
        Assert.All(silos, s => Assert.NotNull(s["memoryBytes"]));
        // Each of the eight schedulers has one activation in the whole cluster, wherever Orleans placed it.
        Assert.Equal(8, SchedulerActivations(cluster));
        Assert.All(silos, s => Assert.True(s["activations"]!.GetValue<long>() > 0));
        Assert.Single(silos, s => s["self"]!.GetValue<bool>());
        var stats = await (await admin.GetAsync("/v1/admin/stats")).ReadJsonAsync();
        Assert.Equal(2, stats["silosReporting"]!.AsArray().Count);
    }

    private static IEnumerable<JsonNode> Silos(JsonObject cluster) => cluster["silos"]!.AsArray().Select(s => s!);

    private static int SchedulerActivations(JsonObject cluster) =>
        Silos(cluster).Sum(s => s["activationsByType"]?["SchedulerGrain"]?.GetValue<int>() ?? 0);

    private static double SumOf(JsonObject stats, string kind, string? outcome) =>
        stats["traffic"]!.AsArray().SelectMany(p => p![kind]!.AsArray())
            .Where(c => outcome is null || c!["outcome"]!.GetValue<string>() == outcome)
            .Sum(c => c!["count"]!.GetValue<double>());
}
