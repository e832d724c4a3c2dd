using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.Cluster;

/// <summary>
/// Three real silo processes that find each other through Orleans' ADO.NET clustering on PostgreSQL, as deployed:
/// one is killed with SIGKILL, another stopped with SIGTERM, and the rest keep accepting and delivering.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ProcessClusterTests(ITestOutputHelper output)
{
    private const string AdminKey = "process-admin-key-0123456789abcdefghijkl";

    [Fact]
    public async Task Killing_one_of_three_silos_and_stopping_another_loses_no_notification()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("processes");
        await using var receiver = await WebhookReceiver.StartAsync();
        var configuration = new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["Api:AdminKey"] = AdminKey,
            ["Delivery:RetrySchedule"] = "1s",
            ["Webhooks:AllowedNetworks"] = "127.0.0.0/8",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var silos = new List<SiloProcess>();
        try
        {
            // One after the other: the first creates the schema, the others join its cluster.
            var urls = new List<Uri>();
            for (var i = 1; i <= 3; i++)
            {
                var silo = SiloProcess.Start($"process-{i}", new Dictionary<string, string>(configuration) { ["Orleans:Name"] = $"process-{i}" });
                silos.Add(silo);
                urls.Add(await silo.ListeningUrlAsync(TimeSpan.FromSeconds(90)));
            }
            using var admin = Client(urls[0], AdminKey);
            await Eventually.HoldsAsync(async () => ActiveSilos(await ClusterAsync(admin)) == 3, TimeSpan.FromSeconds(60), "three active silos in the membership");
            var key = (await (await admin.PostAsJsonAsync("/v1/admin/tenants", new { name = "processes" })).Content.ReadFromJsonAsync<JsonObject>())!["apiKey"]!.GetValue<string>();
            var tenants = urls.Select(u => Client(u, key)).ToList();
            receiver.Secrets = [(await tenants[0].PutEndpointAsync("m-1", receiver.Url))["secret"]!.GetValue<string>()];

            var ids = new List<string>();
            async Task SubmitAsync(HttpClient through, string prefix, int count)
            {
                for (var i = 0; i < count; i++)
                {
                    ids.Add(await NotificationsHttp.IdOf(await through.SubmitWebhookAsync($"{prefix}-{i}", "m-1")));
                }
            }
            await SubmitAsync(tenants[1], "before", 30);

            silos[1].Kill();
            var killedAt = Stopwatch.StartNew();
            // The survivors answer for every notification again once the dead silo is out of the membership.
            await Eventually.HoldsAsync(async () => ActiveSilos(await ClusterAsync(admin)) == 2, TimeSpan.FromSeconds(60), "the killed silo declared dead");
            output.WriteLine($"kill -9: declared dead after {killedAt.Elapsed.TotalSeconds:0.0} s");
            await SubmitAsync(tenants[2], "after-kill", 30);
            foreach (var id in ids)
            {
                Assert.Equal("SUCCESS", (await tenants[0].WaitForFinalAsync(id, TimeSpan.FromSeconds(60))).State());
            }

            silos[2].Terminate();
            Assert.True(await silos[2].WaitForExitAsync(TimeSpan.FromSeconds(60)), "the stopped silo did not exit");
            await SubmitAsync(tenants[0], "after-stop", 30);
            foreach (var id in ids)
            {
                Assert.Equal("SUCCESS", (await tenants[0].WaitForFinalAsync(id, TimeSpan.FromSeconds(60))).State());
            }

            Assert.Equal(90, ids.Distinct().Count());
            Assert.All(ids, id => Assert.Contains(receiver.Received, r => r.Id == id && r.Answered == 200));
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static async Task<JsonObject> ClusterAsync(HttpClient admin)
    {
        var response = await admin.GetAsync("/v1/admin/cluster");
        return response.StatusCode == HttpStatusCode.OK ? await response.ReadJsonAsync() : new JsonObject { ["silos"] = new JsonArray() };
    }

    private static int ActiveSilos(JsonObject cluster) =>
        cluster["silos"]!.AsArray().Count(s => s!["status"]!.GetValue<string>() == "active");

    private static HttpClient Client(Uri url, string key)
    {
        var client = new HttpClient { BaseAddress = url };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
