using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using PaymentNotifications.Silo.Hosting;

namespace PaymentNotifications.Tests.Infrastructure;

/// <summary>
/// The silo executable hosted in the test process with its HTTP API (in-memory transport), on
/// memory or on a PostgreSQL database, with fast retry and reminder settings.
/// </summary>
public sealed class SiloApp : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789abcdefghijkl";
    public const string DevTenantKey = "test-dev-tenant-key-0123456789";

    /// <summary>Seals stored secrets; durable mode refuses to start without one.</summary>
    public const string EncryptionKey = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0hISE=";

    private readonly Dictionary<string, string?> _settings;

    public SiloApp(string? connectionString, IDictionary<string, string?>? settings = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["Api:AdminKey"] = AdminKey,
            ["Api:DevTenantKey"] = DevTenantKey,
            ["Delivery:RetrySchedule"] = "200ms",
            ["Delivery:AttemptTimeout"] = "5s",
            ["Webhooks:AllowedNetworks"] = "127.0.0.0/8",
            ["Webhooks:RequireHttps"] = "false",
            ["Security:EncryptionKey"] = EncryptionKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        };
        foreach (var (key, value) in OrleansPorts.Free())
        {
            _settings[key] = value;
        }
        if (connectionString is not null)
        {
            _settings["ConnectionStrings:Postgres"] = connectionString;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            // A null value removes a default rather than setting an empty one.
            if (value is null)
            {
                _settings.Remove(key);
            }
            else
            {
                _settings[key] = value;
            }
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>
    /// Starts the silo as its Program does, outside the factory, and returns why it refused to start (null when it
    /// started). The factory can mask a failed start with an ObjectDisposedException from its own cleanup.
    /// </summary>
    public async Task<Exception?> StartFailureAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication? app = null;
        try
        {
            builder.AddNotificationSilo();
            app = builder.Build();
            app.MapNotificationSilo();
            await app.StartAsync();
        }
        catch (Exception e)
        {
            return e;
        }
        try
        {
            await app.StopAsync();
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
        return null;
    }

    public HttpClient Admin() => Authorized(AdminKey);

    public HttpClient Tenant(string key) => Authorized(key);

    /// <summary>Creates a tenant through the admin API and returns a client with its key.</summary>
    public async Task<HttpClient> NewTenantAsync(string? name = null)
    {
        var response = await Admin().PostAsJsonAsync("/v1/admin/tenants", new { name = name ?? $"tenant-{Guid.NewGuid():N}" });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        return Tenant(created!["apiKey"]!.GetValue<string>());
    }

    private HttpClient Authorized(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}

/// <summary>Calls of the notifications API used across tests.</summary>
public static class NotificationsHttp
{
    public static async Task<JsonObject> PutEndpointAsync(this HttpClient client, string merchantId, string url, string[]? eventTypes = null)
    {
        var response = await client.PutAsJsonAsync($"/v1/merchants/{merchantId}/webhook-endpoint", new { url, eventTypes });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public static Task<HttpResponseMessage> SubmitWebhookAsync(this HttpClient client, string key, string merchantId, string type = "charge.paid", object? data = null, DateTimeOffset? sendAt = null) =>
        client.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = key,
            type,
            channel = "webhook",
            recipient = new { merchantId },
            data = data ?? new { chargeId = key, amount = 1500, currency = "BRL" },
            sendAt,
        });

    public static async Task<JsonObject> GetNotificationAsync(this HttpClient client, string id)
    {
        var response = await client.GetAsync($"/v1/notifications/{id}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public static async Task<string> IdOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

    /// <summary>Polls a notification until it leaves PENDING (or the timeout passes) and returns it.</summary>
    public static async Task<JsonObject> WaitForFinalAsync(this HttpClient client, string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var notification = await client.GetNotificationAsync(id);
            if (notification["state"]!.GetValue<string>() != "PENDING" || DateTime.UtcNow > deadline)
            {
                return notification;
            }
            await Task.Delay(50);
        }
    }

    public static string State(this JsonObject notification) => notification["state"]!.GetValue<string>();

    public static JsonArray Attempts(this JsonObject notification) => notification["attempts"]!.AsArray();

    public static async Task<JsonObject> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}
