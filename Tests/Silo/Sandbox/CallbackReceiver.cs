using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PaymentNotifications.Tests.Silo.Sandbox;

/// <summary>One request a provider sandbox sent us (status callback or event webhook).</summary>
public sealed record ReceivedCallback(string Url, IReadOnlyDictionary<string, string> Headers, byte[] Body, IReadOnlyDictionary<string, string> Form);

/// <summary>A local server on 127.0.0.1 that stands for our callback endpoints and keeps what it receives.</summary>
public sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedCallback> _received = Channel.CreateUnbounded<ReceivedCallback>();

    private CallbackReceiver(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<CallbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new CallbackReceiver(app);
        app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var form = new Dictionary<string, string>();
            if (http.Request.HasFormContentType)
            {
                http.Request.Body = new MemoryStream(body);
                foreach (var field in await http.Request.ReadFormAsync())
                {
                    form[field.Key] = field.Value.ToString();
                }
            }

            var url = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.Path}{http.Request.QueryString}";
            var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            await receiver._received.Writer.WriteAsync(new ReceivedCallback(url, headers, body, form));
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        receiver.BaseUrl = new Uri(address + "/");
        return receiver;
    }

    /// <summary>The next received request; fails the test if none arrives within the time given.</summary>
    public async Task<ReceivedCallback> NextAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        return await _received.Reader.ReadAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
