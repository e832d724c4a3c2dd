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

/// <summary>The sandbox answers only this machine: its control API sets faults and shows every message sent.</summary>
public sealed class SandboxLoopbackTests
{
    [Theory]
    [InlineData("203.0.113.7", "GET", "/sandbox/twilio/messages")]
    [InlineData("10.0.0.5", "PUT", "/sandbox/twilio/faults")]
    [InlineData("2001:db8::1", "GET", "/sandbox/sendgrid/faults")]
    [InlineData("::ffff:192.0.2.1", "DELETE", "/sandbox/vonage/messages")]
    [InlineData("192.0.2.1", "POST", "/sandbox/twilio/2010-04-01/Accounts/AC1/Messages.json")]
    public async Task A_caller_from_another_machine_is_refused_and_changes_nothing(string caller, string method, string path)
    {
        await using var app = new PaymentNotifications.Tests.Infrastructure.SiloApp(null);
        var before = await SendAsync(app, "127.0.0.1", "GET", "/sandbox/twilio/faults");

        var refused = await SendAsync(app, caller, method, path, """{"down":true}""");

        Assert.Equal(403, refused.Response.StatusCode);
        Assert.Contains("only callers on this machine", refused.Body);
        Assert.Equal(before.Body, (await SendAsync(app, "127.0.0.1", "GET", "/sandbox/twilio/faults")).Body);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task A_caller_on_this_machine_is_served(string caller)
    {
        await using var app = new PaymentNotifications.Tests.Infrastructure.SiloApp(null);

        var faults = await SendAsync(app, caller, "GET", "/sandbox/twilio/faults");
        var messages = await SendAsync(app, caller, "GET", "/sandbox/twilio/messages");

        Assert.Equal(200, faults.Response.StatusCode);
        Assert.Contains("errorRate", faults.Body);
        Assert.Equal(200, messages.Response.StatusCode);
        Assert.Equal("[]", messages.Body);
    }

    private static async Task<(Microsoft.AspNetCore.Http.HttpResponse Response, string Body)> SendAsync(
        PaymentNotifications.Tests.Infrastructure.SiloApp app, string caller, string method, string path, string? body = null)
    {
        var context = await app.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(caller);
            c.Request.Method = method;
            c.Request.Path = path;
            if (body is not null)
            {
                c.Request.ContentType = "application/json";
                var bytes = System.Text.Encoding.UTF8.GetBytes(body);
                c.Request.ContentLength = bytes.Length;
                c.Request.Body = new MemoryStream(bytes);
            }
        });
        return (context.Response, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }
}
