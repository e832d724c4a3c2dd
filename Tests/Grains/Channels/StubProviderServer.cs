using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PaymentNotifications.Tests.Grains.Channels;

/// <summary>A local server on 127.0.0.1 that answers exactly what a test tells it to, for answers no sandbox gives.</summary>
internal sealed class StubProviderServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubProviderServer(WebApplication app) => _app = app;

    /// <summary>What the server does with each request; by default answers 200 with no body.</summary>
    public RequestDelegate Answer { get; set; } = _ => Task.CompletedTask;

    public string BaseUrl => _app.Urls.First();

    public static async Task<StubProviderServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var server = new StubProviderServer(builder.Build());
        server._app.Run(context => server.Answer(context));
        await server._app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
