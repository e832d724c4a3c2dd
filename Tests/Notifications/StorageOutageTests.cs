using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using PaymentNotifications.Tests.ClientApi.Api;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.Notifications;

/// <summary>PostgreSQL gone for a while under load: 503s to retry, not ready, one log line, nothing acknowledged lost.</summary>
public sealed class StorageOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task While_storage_is_unreachable_submits_get_503_with_Retry_After_readiness_fails_and_the_outage_is_logged_once()
    {
        var direct = new NpgsqlConnectionStringBuilder(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("outage"));
        await using var proxy = new TcpOutageProxy(direct.Host!, direct.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(direct.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 2, CommandTimeout = 5 };
        var capture = new CapturingLoggerProvider();
        await using var silo = new SiloApp(viaProxy.ConnectionString, new Dictionary<string, string?> { ["Logging:Console:LogLevel:Default"] = "None" });
        await using var app = silo.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(capture)));
        await using var receiver = await WebhookReceiver.StartAsync();
        var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloApp.AdminKey);
        var created = await (await admin.PostAsJsonAsync("/v1/admin/tenants", new { name = "outage" })).ReadJsonAsync();
        var tenant = app.CreateClient();
        tenant.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created["apiKey"]!.GetValue<string>());
        receiver.Secrets = [(await tenant.PutEndpointAsync("m-1", receiver.Url))["secret"]!.GetValue<string>()];
        var statuses = new ConcurrentBag<(int Status, string? Type, string? RetryAfter)>();
        var accepted = new ConcurrentBag<string>();
        var sent = 0;

        async Task SubmitAsync()
        {
            var key = $"outage-{Interlocked.Increment(ref sent)}";
            using var response = await tenant.SubmitWebhookAsync(key, "m-1");
            var type = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? (await response.ReadJsonAsync())["type"]?.GetValue<string>() : null;
            statuses.Add(((int)response.StatusCode, type, response.Headers.RetryAfter?.ToString()));
            if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
            {
                accepted.Add(await NotificationsHttp.IdOf(response));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => SubmitAsync()));
        proxy.Cut();
        // Under load while it is down: every answer is a 503 to retry (or a success from before the cut), never a 500.
        await Eventually.HoldsAsync(async () =>
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SubmitAsync()));
            return statuses.Count(s => s.Status == 503) >= 20;
        }, TimeSpan.FromSeconds(60), "submits answered 503 while storage is down");
        var readyWhileDown = await app.CreateClient().GetAsync("/health/ready");
        proxy.Restore();
        await Eventually.HoldsAsync(async () => (await app.CreateClient().GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "ready again");
        await Eventually.HoldsAsync(async () =>
        {
            await SubmitAsync();
            return statuses.Last().Status == 202;
        }, TimeSpan.FromSeconds(60), "submits accepted again");

        foreach (var group in statuses.GroupBy(s => (s.Status, s.Type)))
        {
            output.WriteLine($"{group.Count(),4} x {group.Key.Status} {group.Key.Type}");
        }
        Assert.DoesNotContain(statuses, s => s.Status >= 500 && s.Status != 503);
        Assert.All(statuses.Where(s => s.Status == 503), s =>
        {
            Assert.Equal("/problems/storage-unavailable", s.Type);
            Assert.NotNull(s.RetryAfter);
        });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyWhileDown.StatusCode);
        Assert.Single(capture.Entries, e => e.Text.Contains("Storage is unreachable", StringComparison.Ordinal));
        foreach (var id in accepted)
        {
            Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(id, TimeSpan.FromSeconds(60))).State());
        }
    }
}
