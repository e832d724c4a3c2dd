using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>
/// A running silo with one tenant that owns a merchant endpoint and a delivered notification: the data other
/// tenants and bad requests must not reach or change.
/// </summary>
internal sealed class ApiScenario : IAsyncDisposable
{
    public const string MerchantId = "m-42";

    public const string UserId = "owner-user";

    public const string TemplateName = "owner-receipt";

    private ApiScenario(SiloApp app, WebhookReceiver receiver) => (App, Receiver) = (app, receiver);

    public SiloApp App { get; }

    public WebhookReceiver Receiver { get; }

    public HttpClient Owner { get; private set; } = null!;

    public string OwnerKey { get; private set; } = "";

    public string OwnerTenantId { get; private set; } = "";

    public string OwnerKeyId { get; private set; } = "";

    public string NotificationId { get; private set; } = "";

    public string Secret { get; private set; } = "";

    public HttpClient Stranger { get; private set; } = null!;

    public string StrangerTenantId { get; private set; } = "";

    /// <summary>Values of the owner's that must never show up in another tenant's answers.</summary>
    public IReadOnlyList<string> OwnerSecrets => [NotificationId, Secret, Receiver.Url, OwnerKey, "owner-private-key", OwnerKeyId, "Africa/Lagos", "owner template text",
        UserId, TemplateName];

    public static async Task<ApiScenario> StartAsync(string? connectionString = null, IDictionary<string, string?>? settings = null)
    {
        var app = new SiloApp(connectionString, settings);
        _ = app.Server;
        var scenario = new ApiScenario(app, await WebhookReceiver.StartAsync());
        var owner = await scenario.CreateTenantAsync("owner");
        scenario.OwnerKey = owner["apiKey"]!.GetValue<string>();
        scenario.OwnerTenantId = owner["id"]!.GetValue<string>();
        scenario.Owner = app.Tenant(scenario.OwnerKey);
        var keys = await (await app.Admin().GetAsync($"/v1/admin/tenants/{scenario.OwnerTenantId}/api-keys")).ReadJsonAsync();
        scenario.OwnerKeyId = keys["items"]![0]!["id"]!.GetValue<string>();
        var stranger = await scenario.CreateTenantAsync("stranger");
        scenario.StrangerTenantId = stranger["id"]!.GetValue<string>();
        scenario.Stranger = app.Tenant(stranger["apiKey"]!.GetValue<string>());

        var endpoint = await scenario.Owner.PutEndpointAsync(MerchantId, scenario.Receiver.Url, ["charge.paid"]);
        scenario.Secret = endpoint["secret"]!.GetValue<string>();
        scenario.Receiver.Secrets = [scenario.Secret];
        var submitted = await scenario.Owner.SubmitWebhookAsync("owner-private-key", MerchantId);
        scenario.NotificationId = await NotificationsHttp.IdOf(submitted);
        var final = await scenario.Owner.WaitForFinalAsync(scenario.NotificationId);
        Assert.Equal("SUCCESS", final.State());
        (await scenario.Owner.PutAsJsonAsync($"/v1/users/{UserId}/preferences", new
        {
            channels = new { sms = false },
            quietHours = new { start = "22:00", end = "07:00", timeZone = "Africa/Lagos" },
        })).EnsureSuccessStatusCode();
        (await scenario.Owner.PutAsJsonAsync($"/v1/templates/{TemplateName}/sms/en", new { smsText = "owner template text {{code}}" })).EnsureSuccessStatusCode();
        return scenario;
    }

    public async Task<JsonObject> CreateTenantAsync(string name)
    {
        var response = await App.Admin().PostAsJsonAsync("/v1/admin/tenants", new { name });
        response.EnsureSuccessStatusCode();
        return await response.ReadJsonAsync();
    }

    public HttpClient Anonymous() => App.CreateClient();

    public HttpClient WithKey(string key)
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Everything stored that a request could change, as text to compare before and after.</summary>
    public async Task<string> SnapshotAsync()
    {
        var admin = App.Admin();
        var parts = new List<string>();
        foreach (var tenant in new[] { Owner, Stranger })
        {
            var list = await (await tenant.GetAsync("/v1/notifications?limit=100")).ReadJsonAsync();
            parts.Add(list.ToJsonString());
            var endpoint = await tenant.GetAsync($"/v1/merchants/{MerchantId}/webhook-endpoint");
            parts.Add(endpoint.IsSuccessStatusCode ? await endpoint.Content.ReadAsStringAsync() : $"{(int)endpoint.StatusCode}");
            foreach (var path in new[] { $"/v1/users/{UserId}/preferences", "/v1/users/fuzz-user/preferences", $"/v1/templates/{TemplateName}", "/v1/templates/fuzz-template" })
            {
                var read = await tenant.GetAsync(path);
                parts.Add(read.IsSuccessStatusCode ? await read.Content.ReadAsStringAsync() : $"{(int)read.StatusCode}");
            }
            parts.Add(await (await tenant.GetAsync("/v1/quotas")).Content.ReadAsStringAsync());
            foreach (var stored in new[] { "/v1/templates", "/v1/merchants", "/v1/users" })
            {
                parts.Add(await (await tenant.GetAsync($"{stored}?limit=100")).Content.ReadAsStringAsync());
            }
        }
        parts.Add((await (await admin.GetAsync("/v1/admin/tenants")).ReadJsonAsync()).ToJsonString());
        foreach (var tenantId in new[] { OwnerTenantId, StrangerTenantId })
        {
            parts.Add((await (await admin.GetAsync($"/v1/admin/tenants/{tenantId}/api-keys")).ReadJsonAsync()).ToJsonString());
        }
        parts.Add((await (await admin.GetAsync("/v1/admin/dead-letters")).ReadJsonAsync()).ToJsonString());
        return string.Join('\n', parts);
    }

    public async ValueTask DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await App.DisposeAsync();
    }
}
