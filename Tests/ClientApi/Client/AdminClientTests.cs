using System.Text.Json.Nodes;
using PaymentNotifications.Client;
using PaymentNotifications.Client.Models;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Client;

public sealed class AdminClientTests
{
    [Fact]
    public async Task Creating_a_tenant_posts_its_name_and_returns_the_one_time_key()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(201, """{ "id": "t-1", "name": "acme", "apiKey": "ntk_live_123" }""");
        using var admin = api.AdminClient(o => o.ApiKey = "admin-key");

        var tenant = await admin.CreateTenantAsync("acme");

        var request = api.Requests.Single();
        Assert.Equal(("POST", "/v1/admin/tenants"), (request.Method, request.Target));
        Assert.Equal("Bearer admin-key", request.Header("Authorization"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "name": "acme" }"""), request.Json));
        Assert.Equal(new CreatedTenant { Id = "t-1", Name = "acme", ApiKey = "ntk_live_123" }, tenant);
    }

    [Fact]
    public async Task Cluster_view_lists_silos_with_their_activations_when_known()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, """
            { "silos": [ { "id": "s-1", "address": "S10.0.0.5:11111:1", "status": "active", "activations": 1200 },
                         { "id": "s-2", "address": "S10.0.0.6:11111:1", "status": "dead", "activations": null } ] }
            """);
        using var admin = api.AdminClient();

        var cluster = await admin.GetClusterAsync();

        Assert.Equal("/v1/admin/cluster", api.Requests.Single().Target);
        Assert.Equal(
            [new SiloView { Id = "s-1", Address = "S10.0.0.5:11111:1", Status = "active", Activations = 1200 },
             new SiloView { Id = "s-2", Address = "S10.0.0.6:11111:1", Status = "dead", Activations = null }],
            cluster.Silos);
    }

    [Theory]
    [InlineData("[ {0} ]")]
    [InlineData("""{ "providers": [ {0} ] }""")]
    [InlineData("""{ "items": [ {0} ] }""")]
    public async Task Providers_are_read_whether_listed_bare_or_wrapped(string shape)
    {
        const string provider = """
            { "name": "twilio", "channel": "sms", "circuitState": "half-open", "mode": "auto", "successRate": 0.92, "latencyMs": 180.5 }
            """;
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, shape.Replace("{0}", provider));
        using var admin = api.AdminClient();

        var providers = await admin.GetProvidersAsync();

        Assert.Equal("/v1/admin/providers", api.Requests.Single().Target);
        Assert.Equal(
            new ProviderStatus
            {
                Name = "twilio",
                Channel = Channel.Sms,
                CircuitState = CircuitState.HalfOpen,
                Mode = CircuitMode.Auto,
                SuccessRate = 0.92,
                LatencyMs = 180.5,
            },
            Assert.Single(providers));
    }

    [Theory]
    [InlineData(CircuitMode.Auto, "auto")]
    [InlineData(CircuitMode.ForcedOpen, "forced-open")]
    [InlineData(CircuitMode.ForcedClosed, "forced-closed")]
    public async Task Circuit_mode_is_posted_with_its_contract_name(CircuitMode mode, string wire)
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, "{}");
        using var admin = api.AdminClient();

        await admin.SetCircuitModeAsync("twilio", mode);

        var request = api.Requests.Single();
        Assert.Equal(("POST", "/v1/admin/providers/twilio/circuit"), (request.Method, request.Target));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""{ "mode": "{{wire}}" }"""), request.Json), request.Body);
    }

    [Fact]
    public async Task Dead_letters_are_walked_by_cursor_with_their_filters()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, WireSamples.Page("c1", "d2")).Reply(200, WireSamples.Page(null, "d1"));
        using var admin = api.AdminClient();
        var query = new DeadLetterQuery
        {
            TenantId = "acme",
            Channel = Channel.Webhook,
            Type = "charge.paid",
            Since = new DateTimeOffset(2026, 11, 21, 11, 0, 0, TimeSpan.FromHours(1)),
            Limit = 1,
        };

        var ids = new List<string>();
        await foreach (var notification in admin.ListDeadLettersAsync(query))
        {
            ids.Add(notification.Id);
        }

        Assert.Equal(["d2", "d1"], ids);
        const string filters = "tenantId=acme&channel=webhook&type=charge.paid&since=2026-11-21T10%3A00%3A00Z&limit=1";
        Assert.Equal(
            [$"/v1/admin/dead-letters?{filters}", $"/v1/admin/dead-letters?{filters}&cursor=c1"],
            api.Requests.Select(r => r.Target));
    }

    [Fact]
    public async Task Replay_posts_either_the_ids_or_the_since_instant()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(202, """{ "replayed": 2 }""").Reply(202);
        using var admin = api.AdminClient();

        var byIds = await admin.ReplayDeadLettersAsync(["d1", "d2"]);
        var bySince = await admin.ReplayDeadLettersSinceAsync(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(2, byIds.Replayed);
        Assert.Null(bySince.Replayed);
        Assert.All(api.Requests, r => Assert.Equal(("POST", "/v1/admin/dead-letters/replay"), (r.Method, r.Target)));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "ids": ["d1", "d2"] }"""), api.Requests[0].Json), api.Requests[0].Body);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "since": "2026-11-20T00:00:00Z" }"""), api.Requests[1].Json), api.Requests[1].Body);
    }

    [Fact]
    public async Task Tenant_key_on_an_admin_route_is_an_authentication_error()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(403, WireSamples.Problem(403, "about:blank", "Forbidden", "An admin key is required."));
        using var admin = api.AdminClient();

        var error = await Assert.ThrowsAsync<NotificationsAuthenticationException>(() => admin.GetClusterAsync());

        Assert.Equal("An admin key is required.", error.Detail);
    }
}
