using System.Text.Json.Nodes;
using PaymentNotifications.Client;
using PaymentNotifications.Client.Models;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Client;

public sealed class MerchantAndUserTests
{
    private const string Endpoint = """
        { "url": "https://merchant.example/hooks", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
          "enabled": true, "eventTypes": ["charge.paid"], "createdAt": "2026-11-21T10:00:00Z" }
        """;

    [Fact]
    public async Task Putting_an_endpoint_sends_url_and_event_types_and_leaves_the_secret_to_the_server()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, Endpoint);
        using var client = api.Client();

        var endpoint = await client.PutWebhookEndpointAsync(
            "m-42",
            new WebhookEndpointRequest(new Uri("https://merchant.example/hooks")) { EventTypes = ["charge.paid"] });

        var request = api.Requests.Single();
        Assert.Equal(("PUT", "/v1/merchants/m-42/webhook-endpoint"), (request.Method, request.Target));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{ "url": "https://merchant.example/hooks", "eventTypes": ["charge.paid"] }"""),
            request.Json), request.Body);
        Assert.Equal(new Uri("https://merchant.example/hooks"), endpoint.Url);
        Assert.Equal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", endpoint.Secret);
        Assert.True(endpoint.Enabled);
        Assert.Equal(["charge.paid"], endpoint.EventTypes);
    }

    [Fact]
    public async Task Putting_an_endpoint_with_a_secret_sends_it()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, Endpoint);
        using var client = api.Client();

        await client.PutWebhookEndpointAsync("m-42", new WebhookEndpointRequest(new Uri("https://merchant.example/hooks")) { Secret = "whsec_AAAA" });

        Assert.Equal("whsec_AAAA", api.Requests.Single().Json!["secret"]!.GetValue<string>());
    }

    [Fact]
    public async Task Endpoint_is_read_deleted_and_its_secret_rotated_on_the_contract_routes()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, Endpoint).Reply(204).Reply(200, """{ "secret": "whsec_new" }""");
        using var client = api.Client();

        var endpoint = await client.GetWebhookEndpointAsync("m-42");
        await client.DeleteWebhookEndpointAsync("m-42");
        var secret = await client.RotateWebhookSecretAsync("m-42");

        Assert.True(endpoint.Enabled);
        Assert.Equal("whsec_new", secret.Secret);
        Assert.Equal(
            [
                ("GET", "/v1/merchants/m-42/webhook-endpoint"),
                ("DELETE", "/v1/merchants/m-42/webhook-endpoint"),
                ("POST", "/v1/merchants/m-42/webhook-endpoint/rotate-secret"),
            ],
            api.Requests.Select(r => (r.Method, r.Target)));
    }

    [Fact]
    public async Task Missing_endpoint_is_not_found()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(404, WireSamples.Problem(404, "about:blank", "Not Found", "Merchant m-42 has no endpoint."));
        using var client = api.Client();

        await Assert.ThrowsAsync<NotificationNotFoundException>(() => client.GetWebhookEndpointAsync("m-42"));
    }

    [Fact]
    public async Task Preferences_are_put_in_the_contract_shape()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, "{}");
        using var client = api.Client();

        await client.PutUserPreferencesAsync("u-1", new UserPreferences
        {
            Channels = new ChannelPreferences { Sms = true, Email = true, Push = false },
            Types = new Dictionary<string, ChannelPreferences> { ["marketing"] = new() { Sms = false } },
            QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Africa/Lagos"),
        });

        var request = api.Requests.Single();
        Assert.Equal(("PUT", "/v1/users/u-1/preferences"), (request.Method, request.Target));
        var expected = JsonNode.Parse("""
            { "channels": { "sms": true, "email": true, "push": false },
              "types": { "marketing": { "sms": false } },
              "quietHours": { "start": "22:00", "end": "07:00", "timeZone": "Africa/Lagos" } }
            """);
        Assert.True(JsonNode.DeepEquals(expected, request.Json), request.Body);
    }

    [Fact]
    public async Task Preferences_are_read_with_quiet_hours_as_times_of_day()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, """
            { "channels": { "sms": true, "push": false },
              "types": { "marketing": { "sms": false, "email": true } },
              "quietHours": { "start": "22:00", "end": "07:30", "timeZone": "Africa/Lagos" } }
            """);
        using var client = api.Client();

        var preferences = await client.GetUserPreferencesAsync("u-1");

        Assert.Equal(("GET", "/v1/users/u-1/preferences"), (api.Requests.Single().Method, api.Requests.Single().Target));
        Assert.Equal(new ChannelPreferences { Sms = true, Push = false }, preferences.Channels);
        Assert.Equal(new ChannelPreferences { Sms = false, Email = true }, preferences.Types!["marketing"]);
        Assert.Equal(new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 30), "Africa/Lagos"), preferences.QuietHours);
    }
}
