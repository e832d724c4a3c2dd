using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Client;

namespace PaymentNotifications.Tests.ClientApi.Client;

/// <summary>A request as the fake API received it.</summary>
internal sealed record RecordedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The raw path, still escaped as the client sent it.</summary>
    public string Path => Target.Split('?')[0];

    /// <summary>The raw query string without '?', or empty.</summary>
    public string Query => Target.Contains('?') ? Target[(Target.IndexOf('?') + 1)..] : "";

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public JsonNode? Json => JsonNode.Parse(Body);
}

/// <summary>
/// A local Kestrel server speaking the Notifications API from a script: it records each request and
/// answers with the next scripted response, or the fallback when the script has run out.
/// </summary>
internal sealed class ScriptedApi : IAsyncDisposable
{
    public const string ApiKey = "tenant-key-7f3a";

    private readonly WebApplication app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> script = new();
    private readonly List<RecordedRequest> requests = [];
    private readonly SemaphoreSlim arrived = new(0);
    private Func<HttpContext, Task> fallback = context => Write(context, 500, "{\"title\":\"unscripted request\"}", "application/problem+json");

    private ScriptedApi(WebApplication app) => this.app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (requests)
            {
                return [.. requests];
            }
        }
    }

    public static async Task<ScriptedApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var api = new ScriptedApi(app);
        app.Run(api.HandleAsync);
        await app.StartAsync();
        api.BaseAddress = new Uri(app.Urls.Single());
        return api;
    }

    /// <summary>A client of this server with fast retries, unless the test changes the options.</summary>
    public NotificationsClient Client(
        Action<NotificationsClientOptions>? configure = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null) =>
        new(Options(configure), timeProvider, loggerFactory);

    public NotificationsAdminClient AdminClient(Action<NotificationsClientOptions>? configure = null) => new(Options(configure));

    public NotificationsClientOptions Options(Action<NotificationsClientOptions>? configure = null)
    {
        var options = new NotificationsClientOptions
        {
            BaseAddress = BaseAddress,
            ApiKey = ApiKey,
            RetryDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromSeconds(30),
        };
        configure?.Invoke(options);
        return options;
    }

    public ScriptedApi Reply(int status, string? json = null, params (string Name, string Value)[] headers)
    {
        script.Enqueue(context => Write(context, status, json, "application/json", headers));
        return this;
    }

    public ScriptedApi ReplyProblem(int status, string problemJson, params (string Name, string Value)[] headers)
    {
        script.Enqueue(context => Write(context, status, problemJson, "application/problem+json", headers));
        return this;
    }

    public ScriptedApi ReplyRaw(int status, string body, string contentType)
    {
        script.Enqueue(context => Write(context, status, body, contentType));
        return this;
    }

    /// <summary>Reads the request, then drops the connection without answering.</summary>
    public ScriptedApi DropConnection()
    {
        script.Enqueue(context =>
        {
            context.Abort();
            return Task.CompletedTask;
        });
        return this;
    }

    /// <summary>Answers 200 with the start of a body, then drops the connection before the rest.</summary>
    public ScriptedApi DropConnectionMidBody()
    {
        script.Enqueue(async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("{\"id\":");
            await context.Response.Body.FlushAsync();
            context.Abort();
        });
        return this;
    }

    /// <summary>Reads the request and never answers, until the client gives up on it.</summary>
    public ScriptedApi Hang()
    {
        script.Enqueue(async context =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client abandoned the attempt.
            }
        });
        return this;
    }

    /// <summary>The answer to every request once the script has run out.</summary>
    public ScriptedApi Otherwise(int status, string? json = null)
    {
        fallback = context => Write(context, status, json, status >= 400 ? "application/problem+json" : "application/json");
        return this;
    }

    /// <summary>Waits until the server has received <paramref name="count"/> requests in all.</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Requests.Count < count)
        {
            await arrived.WaitAsync(guard.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        arrived.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        lock (requests)
        {
            requests.Add(new RecordedRequest(context.Request.Method, target, headers, body));
        }

        arrived.Release();
        await (script.TryDequeue(out var respond) ? respond : fallback)(context);
    }

    private static async Task Write(HttpContext context, int status, string? body, string contentType, params (string Name, string Value)[] headers)
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        if (body is not null)
        {
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body);
        }
    }
}
