using System.Net;
using PaymentNotifications.Tests.Infrastructure;
using PaymentNotifications.Tests.Silo;

namespace PaymentNotifications.Tests.Cluster;

/// <summary>The HTTP facade on its own (<c>Silo:Role=Client</c>): an Orleans client that finds the silos through PostgreSQL.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FacadeTests
{
    [Fact]
    public async Task A_facade_without_a_silo_serves_the_api_from_the_silos_it_finds_in_postgres()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("facade");
        await using var silo = await LiveSilo.StartAsync(connectionString: database);
        await using var facade = await LiveSilo.StartAsync(new Dictionary<string, string?> { ["Silo:Role"] = "Client" }, database);
        await using var receiver = await WebhookReceiver.StartAsync();

        var (_, tenant) = await facade.NewTenantAsync("through-facade");
        receiver.Secrets = [(await tenant.PutEndpointAsync("m-1", receiver.Url))["secret"]!.GetValue<string>()];
        var id = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("via-facade", "m-1"));
        var final = await tenant.WaitForFinalAsync(id);
        using var admin = facade.Admin();
        var cluster = await (await admin.GetAsync("/v1/admin/cluster")).ReadJsonAsync();
        var ready = await admin.GetAsync("/health/ready");

        Assert.Equal("SUCCESS", final.State());
        Assert.Equal(1, receiver.CountFor(id));
        // The facade is not a member: the cluster it reports is the one silo.
        var member = Assert.Single(cluster["silos"]!.AsArray());
        Assert.Equal("active", member!["status"]!.GetValue<string>());
        Assert.False(member["self"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/orleans/")).StatusCode);
    }
}
