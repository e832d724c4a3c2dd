using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Silo.Metrics;

/// <summary>With Telemetry:OtlpEndpoint set, a submit is traced through to the webhook request and exported over OTLP.</summary>
public sealed class TraceExportTests
{
    [Fact]
    public async Task A_submit_is_traced_through_to_the_webhook_request_and_exported()
    {
        await using var collector = await LocalServer.StartAsync("/v1/traces");
        await using var receiver = await LocalServer.StartAsync("/hooks");
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var app = new SiloApp(null, new Dictionary<string, string?> { ["Telemetry:OtlpEndpoint"] = collector.BaseUrl });
        try
        {
            var tenant = await app.NewTenantAsync();
            await tenant.PutEndpointAsync("m-1", receiver.BaseUrl + "/hooks");
            using var submit = new HttpRequestMessage(HttpMethod.Post, "/v1/notifications")
            {
                Content = JsonContent.Create(new { idempotencyKey = "traced", type = "charge.paid", channel = "webhook", recipient = new { merchantId = "m-1" }, data = new { } }),
            };
            submit.Headers.Add("traceparent", $"00-{traceId}-{"b7ad6b7169203331"}-01");
            var id = await NotificationsHttp.IdOf(await tenant.SendAsync(submit));
            Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(id)).State());

            var delivered = Assert.Single(receiver.Requests);
            var traceparent = delivered.Headers["traceparent"].ToString();
            Assert.True(traceparent.Split('-') is [_, var deliveredTrace, _, _] && deliveredTrace == traceId,
                $"The webhook request should continue trace {traceId}; its traceparent was '{traceparent}'.");

            // Spans go out in batches every couple of seconds; the trace id travels as its 16 raw bytes.
            var traceBytes = Convert.FromHexString(traceId);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!collector.Requests.Any(r => r.Body.AsSpan().IndexOf(traceBytes) >= 0) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            Assert.Contains(collector.Requests, r => r.Body.AsSpan().IndexOf(traceBytes) >= 0);
            // The grain call the submit made is a span of the same export: Orleans carries the trace into the grain.
            var grainSpan = System.Text.Encoding.UTF8.GetBytes("INotificationGrain/Submit");
            await Eventually.HoldsAsync(() => collector.Requests.Any(r => r.Body.AsSpan().IndexOf(grainSpan) >= 0), TimeSpan.FromSeconds(20),
                "the submit's grain call is exported as a span");
        }
        finally
        {
            await app.DisposeAsync();
        }
        Assert.All(collector.Requests, r => Assert.Equal("application/x-protobuf", r.Headers.ContentType.ToString()));
    }

    private sealed record Received(IHeaderDictionary Headers, byte[] Body);

    /// <summary>A local HTTP server on 127.0.0.1 recording POSTs to one path.</summary>
    private sealed class LocalServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private LocalServer(WebApplication app) => _app = app;

        public ConcurrentQueue<Received> Requests { get; } = new();

        public string BaseUrl => _app.Urls.First();

        public static async Task<LocalServer> StartAsync(string path)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new LocalServer(app);
            app.MapPost(path, async (HttpContext context) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                server.Requests.Enqueue(new Received(new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)), body.ToArray()));
                return Results.Ok();
            });
            await app.StartAsync();
            return server;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
