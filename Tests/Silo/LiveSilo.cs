using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using PaymentNotifications.Silo.Hosting;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Silo;

/// <summary>
/// The silo app (same wiring as the executable) on a real Kestrel listener on 127.0.0.1 and a free
/// port, so that a browser or any HTTP client can reach it; dev mode unless a connection string is given.
/// </summary>
public sealed class LiveSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LiveSilo(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<LiveSilo> StartAsync(IDictionary<string, string?>? settings = null, string? connectionString = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(Program).Assembly.GetName().Name });
        var values = new Dictionary<string, string?>
        {
            ["Api:AdminKey"] = SiloApp.AdminKey,
            ["Api:DevTenantKey"] = SiloApp.DevTenantKey,
            ["Delivery:RetrySchedule"] = "200ms",
            ["Delivery:AttemptTimeout"] = "5s",
            ["Webhooks:AllowedNetworks"] = "127.0.0.0/8",
            ["Webhooks:RequireHttps"] = "false",
            ["Security:EncryptionKey"] = SiloApp.EncryptionKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        };
        foreach (var (key, value) in OrleansPorts.Free())
        {
            values[key] = value;
        }
        if (connectionString is not null)
        {
            values["ConnectionStrings:Postgres"] = connectionString;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(values);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddNotificationSilo();
        var app = builder.Build();
        app.MapNotificationSilo();
        await app.StartAsync();
        return new LiveSilo(app, new Uri(app.Urls.First()));
    }

    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    public HttpClient Admin() => Client(SiloApp.AdminKey);

    /// <summary>Creates a tenant through the admin API; returns its id and a client holding its key.</summary>
    public async Task<(string Id, HttpClient Client)> NewTenantAsync(string? name = null)
    {
        using var admin = Admin();
        var response = await admin.PostAsJsonAsync("/v1/admin/tenants", new { name = name ?? $"tenant-{Guid.NewGuid():N}" });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        return (created!["id"]!.GetValue<string>(), Client(created["apiKey"]!.GetValue<string>()));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
