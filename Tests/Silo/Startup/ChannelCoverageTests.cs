using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Tests.ClientApi.Api;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Silo.Startup;

/// <summary>A channel without any configured provider is said at start-up and in /health/ready's detail.</summary>
public sealed class ChannelCoverageTests
{
    private static async Task<(string Plain, JsonObject Detail)> ReadinessAsync(HttpClient client)
    {
        var plain = await (await client.GetAsync("/health/ready")).Content.ReadAsStringAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var detail = JsonNode.Parse(await (await client.SendAsync(request)).Content.ReadAsStringAsync())!.AsObject();
        return (plain, detail);
    }

    [Fact]
    public async Task A_durable_silo_without_provider_settings_warns_at_start_and_says_so_when_asked_if_ready()
    {
        var capture = new CapturingLoggerProvider();
        await using var silo = new SiloApp(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("coverage"));
        await using var app = silo.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(capture)));
        var client = app.CreateClient();

        var (plain, detail) = await ReadinessAsync(client);

        Assert.Equal("Healthy", plain);
        Assert.Equal("Healthy", detail["status"]!.GetValue<string>());
        Assert.Contains("no provider configured for sms, email, push", detail["checks"]!["cluster"]!["description"]!.GetValue<string>());
        Assert.Single(capture.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("no provider configured for sms, email, push", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dev_silo_with_its_sandbox_providers_has_every_channel_covered()
    {
        await using var silo = new SiloApp(null);

        var (_, detail) = await ReadinessAsync(silo.CreateClient());

        Assert.DoesNotContain("no provider", detail["checks"]!["cluster"]!["description"]!.GetValue<string>());
    }
}
