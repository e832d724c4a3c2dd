using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PaymentNotifications.Tests.Infrastructure;
using PaymentNotifications.Tests.Cluster;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.Notifications;

/// <summary>A silo process killed with PENDING work and retries outstanding loses nothing: a restart finishes every notification.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloCrashTests(ITestOutputHelper output)
{
    private const string AdminKey = "crash-admin-key-0123456789abcdefghijkl";
    private const int Count = 100;

    [Fact]
    public async Task Killed_silo_with_pending_retries_is_restarted_and_every_notification_ends_terminal()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("crash");
        await using var receiver = await WebhookReceiver.StartAsync();
        // Every notification's first attempt fails, so each has a retry outstanding when the silo dies.
        receiver.Respond = (_, attempt) => attempt == 1 ? 503 : 200;
        var configuration = new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["Api:AdminKey"] = AdminKey,
            ["Delivery:RetrySchedule"] = "3s",
            ["Delivery:RetryJitter"] = "0",
            ["Delivery:AttemptTimeout"] = "3s",
            ["Webhooks:AllowedNetworks"] = "127.0.0.0/8",
            ["Cluster:PartitionCount"] = "32",
            ["Cluster:LeaseDuration"] = "00:00:03",
            ["Cluster:LeaseRenewInterval"] = "00:00:00.500",
            ["Cluster:LeaseSafetyMargin"] = "00:00:00.500",
            ["Cluster:SiloDeathTimeout"] = "00:00:02",
            ["Reminders:PollInterval"] = "00:00:00.200",
            ["Logging:LogLevel:Default"] = "Warning",
        };

        var first = SiloProcess.Start("crash-1", configuration);
        List<string> ids;
        string apiKey;
        try
        {
            var url = await first.ListeningUrlAsync(TimeSpan.FromSeconds(60));
            apiKey = await CreateTenantAsync(url);
            using var tenant = Client(url, apiKey);
            var endpoint = await tenant.PutEndpointAsync("m-1", receiver.Url);
            receiver.Secrets = [endpoint["secret"]!.GetValue<string>()];
            ids = [];
            for (var i = 0; i < Count; i++)
            {
                ids.Add(await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync($"crash-{i}", "m-1")));
            }
            await Eventually.HoldsAsync(() => receiver.Received.Select(r => r.Id).Distinct().Count() >= Count / 2, TimeSpan.FromSeconds(30), "first attempts under way");
        }
        finally
        {
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        var seenBeforeKill = receiver.Received.Select(r => r.Id).Distinct().Count();
        output.WriteLine($"killed with {seenBeforeKill} of {Count} first attempts made");

        await using var second = SiloProcess.Start("crash-2", configuration);
        using var restarted = Client(await second.ListeningUrlAsync(TimeSpan.FromSeconds(60)), apiKey);
        var finals = new List<JsonObject>();
        foreach (var id in ids)
        {
            finals.Add(await restarted.WaitForFinalAsync(id, TimeSpan.FromSeconds(90)));
        }

        Assert.All(finals, n => Assert.Equal("SUCCESS", n.State()));
        Assert.All(ids, id => Assert.Contains(receiver.Received, r => r.Id == id && r.Answered == 200));
        var extraSuccesses = ids.Sum(id => receiver.Received.Count(r => r.Id == id && r.Answered == 200) - 1);
        output.WriteLine($"all {Count} SUCCESS after restart; {extraSuccesses} deliveries received twice (acknowledged by the receiver while the silo died)");
    }

    private static async Task<string> CreateTenantAsync(Uri url)
    {
        using var admin = Client(url, AdminKey);
        var created = await (await admin.PostAsJsonAsync("/v1/admin/tenants", new { name = "crash" })).Content.ReadFromJsonAsync<JsonObject>();
        return created!["apiKey"]!.GetValue<string>();
    }

    private static HttpClient Client(Uri url, string key)
    {
        var client = new HttpClient { BaseAddress = url };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
