using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using PaymentNotifications.Tests.Infrastructure;
using PaymentNotifications.Tests.Silo;

namespace PaymentNotifications.Tests.Cluster;

/// <summary>A tenant's submit rate holds for the cluster: API processes on one database share one budget.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterSubmitRateTests
{
    // Five tokens and an hour to refill one: the outcome cannot depend on how fast the machine is.
    private static readonly Dictionary<string, string?> FivePerHour = new()
    {
        ["Api:SubmitRate:Permits"] = "5",
        ["Api:SubmitRate:Period"] = "1h",
        ["Api:SubmitRate:Burst"] = "5",
    };

    [Fact]
    public async Task Two_silos_admit_one_tenant_budget_between_them_and_another_tenant_keeps_its_own()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("submitrate");
        await using var first = await LiveSilo.StartAsync(FivePerHour, database);
        await using var second = await LiveSilo.StartAsync(FivePerHour, database);
        await Eventually.HoldsAsync(() => ActiveSilos(first) == 2 && ActiveSilos(second) == 2, TimeSpan.FromSeconds(30), "both silos see both active");
        var (_, throughFirst) = await first.NewTenantAsync();
        using var throughSecond = second.Client(throughFirst.DefaultRequestHeaders.Authorization!.Parameter);
        var (_, other) = await second.NewTenantAsync();

        var submits = Enumerable.Range(0, 8).SelectMany(i => new[]
        {
            throughFirst.SubmitWebhookAsync($"first-{i}", "m-1"),
            throughSecond.SubmitWebhookAsync($"second-{i}", "m-1"),
        }).ToList();
        var responses = await Task.WhenAll(submits);
        var otherResponse = await other.SubmitWebhookAsync("other-0", "m-1");
        var listed = (await (await throughFirst.GetAsync("/v1/notifications")).ReadJsonAsync())["items"]!.AsArray();

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.Accepted).ToList();
        Assert.Equal(11, refused.Count);
        foreach (var response in refused)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Equal("/problems/rate-limited", (await response.ReadJsonAsync())["type"]!.GetValue<string>());
        }
        Assert.Equal(5, listed.Count);
        Assert.Equal(HttpStatusCode.Accepted, otherResponse.StatusCode);
    }

    private static int ActiveSilos(LiveSilo silo) =>
        silo.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
}
