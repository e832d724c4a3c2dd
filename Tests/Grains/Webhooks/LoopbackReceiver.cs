using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PaymentNotifications.Tests.Grains.Webhooks;

/// <summary>A local Kestrel webhook receiver that counts the requests it gets per path.</summary>
internal sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _hits = new();

    private LoopbackReceiver(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    public int Hits(string path) => _hits.GetValueOrDefault(path);

    public int TotalHits => _hits.Values.Sum();

    /// <summary>Starts a receiver on <paramref name="url"/>: "/" answers 200, "/redirect" answers 302 to "/target".</summary>
    public static async Task<LoopbackReceiver> StartAsync(string url = "http://127.0.0.1:0")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        var receiver = new LoopbackReceiver(app);
        app.Use(async (context, next) =>
        {
            receiver._hits.AddOrUpdate(context.Request.Path.Value ?? "/", 1, (_, n) => n + 1);
            await next(context);
        });
        app.MapGet("/", () => Results.Text("received"));
        app.MapPost("/", () => Results.Text("received"));
        app.MapGet("/redirect", () => Results.Redirect("/target"));
        app.MapGet("/target", () => Results.Text("followed"));
        await app.StartAsync();
        receiver.BaseUri = new Uri(app.Urls.Single());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
