using System.Net;
using System.Net.Http.Json;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Silo.Metrics;

/// <summary>GET /metrics against a running silo: known traffic moves the counters and histograms by exactly that much.</summary>
public sealed class MetricsEndpointTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Delivery:MaxAttempts"] = "2",
        ["Delivery:RetrySchedule"] = "100ms",
        ["Delivery:RetryJitter"] = "0",
        ["Operations:BacklogMaxAge"] = "00:00:00",
    };

    [Fact]
    public async Task Known_traffic_moves_counters_and_histograms_by_exactly_that_much()
    {
        await using var app = new SiloApp(null, Settings);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (tenantId, tenant) = await NewTenantAsync(app);
        await tenant.PutEndpointAsync("m-ok", receiver.Url);
        await tenant.PutEndpointAsync("m-down", receiver.Url);
        var downIds = new HashSet<string>();
        receiver.Respond = (id, _) => downIds.Contains(id) ? 503 : 200;
        var before = await ScrapeAsync(app);

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync($"ok-{i}", "m-ok")));
        }
        var down = PaymentNotifications.Grains.Interfaces.Notifications.NotificationId.For(tenantId, "down-1");
        lock (downIds)
        {
            downIds.Add(down);
        }
        Assert.Equal(down, await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("down-1", "m-down")));
        foreach (var id in ids)
        {
            Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(id)).State());
        }
        Assert.Equal("FAILED", (await tenant.WaitForFinalAsync(down)).State());
        var after = await ScrapeAsync(app);

        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
        Assert.Equal(6, Delta("notifications_accepted_total", ("channel", "webhook")));
        Assert.Equal(5, Delta("notifications_attempts_total", ("channel", "webhook"), ("provider", "webhook"), ("outcome", "delivered")));
        Assert.Equal(2, Delta("notifications_attempts_total", ("channel", "webhook"), ("provider", "webhook"), ("outcome", "retryable")));
        Assert.Equal(5, Delta("notifications_completed_total", ("channel", "webhook"), ("state", "SUCCESS")));
        Assert.Equal(1, Delta("notifications_completed_total", ("channel", "webhook"), ("state", "FAILED")));
        Assert.Equal(5, Delta("notifications_attempt_duration_seconds_count", ("provider", "webhook"), ("outcome", "delivered")));
        Assert.Equal(2, Delta("notifications_attempt_duration_seconds_count", ("provider", "webhook"), ("outcome", "retryable")));
        Assert.True(Delta("notifications_attempt_duration_seconds_sum", ("provider", "webhook")) > 0);
        Assert.Equal(5, Delta("notifications_delivery_latency_seconds_count", ("channel", "webhook")));
        Assert.Equal(6, Delta("http_server_request_duration_seconds_count",
            ("http_route", "/v1/notifications/"), ("http_request_method", "POST"), ("http_response_status_code", "202")));

        var buckets = after.Buckets("notifications_delivery_latency_seconds", ("channel", "webhook"));
        Assert.Equal(double.PositiveInfinity, buckets[^1].Le);
        Assert.Equal(after.Sum("notifications_delivery_latency_seconds_count", ("channel", "webhook")), buckets[^1].Count);
        Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First.Le < p.Second.Le && p.First.Count <= p.Second.Count), "buckets must rise");
        Assert.Contains(buckets, b => b.Le == 30);
        Assert.Equal(5, buckets.First(b => b.Le == 30).Count);

        Assert.Equal("counter", after.Types["notifications_accepted_total"]);
        Assert.Equal("histogram", after.Types["notifications_attempt_duration_seconds"]);
        Assert.Equal(0, after.Sum("notifications_queue_pending"));
        Assert.Equal(0, after.Sum("notifications_queue_overdue"));
        Assert.Equal(1, after.Sum("notifications_records", ("state", "FAILED")));
        Assert.Equal(5, after.Sum("notifications_records", ("state", "SUCCESS")));
        Assert.Equal(1, after.Sum("notifications_cluster_silos", ("status", "active")));
        // Every attempt was started by its notification's own timer: five deliveries and the failing one's two tries.
        Assert.Equal(7, Delta("notifications_reminders_fired_total"));
        // Orleans' own meter is exported beside ours.
        Assert.True(after.Sum("orleans_catalog_activations") > 0);
        Assert.True(after.Has("notifications_reminders_lag_seconds"));
        Assert.True(after.Has("notifications_reminders_due"));
        Assert.True(after.Has("dotnet_process_cpu_time_seconds_total"));
    }

    [Fact]
    public async Task Pending_and_overdue_notifications_show_in_the_queue_gauges()
    {
        await using var app = new SiloApp(null, Settings);
        var tenant = await app.NewTenantAsync();
        // No endpoint yet for a scheduled send an hour away: it waits PENDING, not overdue.
        var response = await tenant.SubmitWebhookAsync("later", "m-none", sendAt: DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var scrape = await ScrapeAsync(app);

        Assert.Equal(1, scrape.Sum("notifications_queue_pending"));
        Assert.Equal(0, scrape.Sum("notifications_queue_overdue"));
        Assert.True(scrape.Sum("notifications_queue_oldest_pending_age_seconds") >= 0);
        Assert.Equal(1, scrape.Sum("notifications_records", ("state", "PENDING")));
        Assert.True(scrape.Sum("notifications_reminders_due") == 0);
    }

    [Fact]
    public async Task Metrics_are_served_without_a_key_as_prometheus_text()
    {
        await using var app = new SiloApp(null, Settings);

        var response = await app.CreateClient().GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType.ToString());
        PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task<PrometheusScrape> ScrapeAsync(SiloApp app)
    {
        var response = await app.CreateClient().GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task<(string Id, HttpClient Client)> NewTenantAsync(SiloApp app)
    {
        var created = await (await app.Admin().PostAsJsonAsync("/v1/admin/tenants", new { name = $"metrics-{Guid.NewGuid():N}" })).ReadJsonAsync();
        return (created["id"]!.GetValue<string>(), app.Tenant(created["apiKey"]!.GetValue<string>()));
    }
}
