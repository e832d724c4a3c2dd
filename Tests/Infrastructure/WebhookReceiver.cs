using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Grains.Webhooks;

namespace PaymentNotifications.Tests.Infrastructure;

/// <summary>One delivery as a merchant's receiver saw it, with the verdict on its signature.</summary>
public sealed record ReceivedWebhook(string Id, string Type, JsonElement Data, string SignatureHeader, WebhookVerification Verification, DateTimeOffset At, int Answered,
    string TimestampHeader, byte[] Body)
{
    /// <summary>Verifies the delivery against one secret alone.</summary>
    public WebhookVerification ValidUnder(string secret) =>
        WebhookSignature.Verify(Id, TimestampHeader, SignatureHeader, Body, WebhookSecret.Parse(secret), DateTimeOffset.UtcNow);
}

/// <summary>
/// A merchant's webhook receiver on 127.0.0.1: verifies every delivery's Standard Webhooks signature
/// against the secrets it is told, records it, and answers as the test scripts.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _attemptsById = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>Secrets a delivery may be signed with; a signature under any of them is valid.</summary>
    public IReadOnlyList<string> Secrets { get; set; } = [];

    /// <summary>The status to answer for the n-th attempt (1-based) of a notification id; 200 by default.</summary>
    public Func<string, int, int> Respond { get; set; } = (_, _) => 200;

    /// <summary>Extra headers for non-2xx answers, e.g. Retry-After.</summary>
    public Func<string, int, IDictionary<string, string>>? Headers { get; set; }

    public string Url => $"{_app.Urls.First()}/hooks";

    public int CountFor(string id) => Received.Count(r => r.Id == id);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = context.Request.Headers;
        var verification = WebhookSignature.Verify(headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"], body,
            Secrets.Select(WebhookSecret.Parse), DateTimeOffset.UtcNow);
        using var json = JsonDocument.Parse(body);
        var id = json.RootElement.GetProperty("id").GetString()!;
        var attempt = _attemptsById.AddOrUpdate(id, 1, (_, n) => n + 1);
        var status = Respond(id, attempt);
        Received.Enqueue(new ReceivedWebhook(id, json.RootElement.GetProperty("type").GetString()!, json.RootElement.GetProperty("data").Clone(),
            headers["webhook-signature"].ToString(), verification, DateTimeOffset.UtcNow, status, headers["webhook-timestamp"].ToString(), body));
        if (headers["webhook-id"] != id)
        {
            status = (int)HttpStatusCode.BadRequest;
        }
        context.Response.StatusCode = status;
        foreach (var (name, value) in Headers?.Invoke(id, attempt) ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
