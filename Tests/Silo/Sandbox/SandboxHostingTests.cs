using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Silo.Sandbox;
using PaymentNotifications.Tests.Grains.Channels;
using Xunit;

namespace PaymentNotifications.Tests.Silo.Sandbox;

/// <summary>The dev-mode set-up: a host serves the sandboxes on its own listener and its adapters are configured to use them.</summary>
public sealed class SandboxHostingTests
{
    [Fact]
    public async Task Adapters_configured_from_the_sandbox_deliver_through_a_host_serving_it()
    {
        using var credentials = SandboxCredentials.Generate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSandboxProviders(credentials);
        await using var app = builder.Build();
        app.MapSandboxProviders();
        await app.StartAsync();

        // One HTTP/1.1 listener: APNs is then reached over HTTP/1.1.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(credentials.AdapterConfiguration(new Uri(app.Urls.First())))
            .Build();
        await using var services = new ServiceCollection().AddLogging().AddProviderAdapters(configuration).BuildServiceProvider();

        var messages = new Dictionary<string, OutboundMessage>
        {
            ["twilio"] = TestMessages.Sms("+4915112345678"),
            ["vonage"] = TestMessages.Sms("+4915112345678"),
            ["sendgrid"] = TestMessages.Email("payer@example.com"),
            ["mailgun"] = TestMessages.Email("payer@example.com"),
            ["fcm"] = TestMessages.Push("android-token", PushPlatform.Android),
            ["apns"] = TestMessages.Push("a1b2c3d4", PushPlatform.Ios),
        };
        foreach (var (provider, message) in messages)
        {
            var adapter = services.GetRequiredKeyedService<IProviderAdapter>(provider);
            var result = await adapter.SendAsync(message, CancellationToken.None);
            Assert.True(result.Outcome == ProviderOutcome.Success, $"{provider}: {result.Outcome} {result.Error}");
        }

        var recorder = app.Services.GetRequiredService<SandboxContext>().Recorder;
        Assert.All(messages.Keys, provider => Assert.Single(recorder.Messages(provider)));
        Assert.Equal(6, services.GetServices<IProviderAdapter>().Count());
        await app.StopAsync();
    }
}
