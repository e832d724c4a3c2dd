using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace PaymentNotifications.Silo.Sandbox;

/// <summary>The state shared by the sandbox providers: accounts, recorded messages, faults and outgoing receipts.</summary>
public sealed class SandboxContext : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _receipts = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    // FCM access tokens granted by the sandbox's token endpoint, with their expiry.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _accessTokens = new(StringComparer.Ordinal);

    public SandboxContext(SandboxCredentials credentials, SandboxOptions options, TimeProvider time, ILogger<SandboxContext> logger)
    {
        Credentials = credentials;
        Options = options;
        Time = time;
        Logger = logger;
        Faults = new SandboxFaults(options.RandomSeed);
        SendGridEventWebhookUrl = options.SendGridEventWebhookUrl;
    }

    /// <summary>The accounts and keys the sandboxes accept.</summary>
    public SandboxCredentials Credentials { get; }

    public SandboxOptions Options { get; }

    /// <summary>Every accepted message.</summary>
    public SandboxRecorder Recorder { get; } = new();

    /// <summary>Run-time fault injection per provider.</summary>
    public SandboxFaults Faults { get; }

    /// <summary>Where SendGrid events go; starts as <see cref="SandboxOptions.SendGridEventWebhookUrl"/>.</summary>
    public string? SendGridEventWebhookUrl { get; set; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    public void Dispose()
    {
        _stopping.Cancel();
        _receipts.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Records an accepted message, then applies the after-acceptance faults: a timeout holds the answer (the
    /// message stays accepted), and an undelivered roll marks it undelivered. Returns whether it was.
    /// </summary>
    internal async Task<bool> AcceptAsync(SandboxMessage message, HttpContext http)
    {
        var faults = Faults.Get(message.Provider);
        var undelivered = Faults.Roll(message.Provider, faults.UndeliveredRate);
        Recorder.Add(undelivered ? message with { Status = SandboxMessage.Undelivered } : message);
        if (Faults.Roll(message.Provider, faults.TimeoutRate))
        {
            await HoldAsync(Options.HangLimit, http);
        }

        return undelivered;
    }

    /// <summary>Holds the answer for a while; ends early and quietly when the client gives up.</summary>
    internal async Task HoldAsync(TimeSpan duration, HttpContext http)
    {
        try
        {
            await Task.Delay(duration, Time, http.RequestAborted);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client timed out: whatever is written next goes nowhere, which is the point.
        }
    }

    /// <summary>Sends a receipt (callback or event) once the current answer has gone out, as providers do later.</summary>
    internal void SendAfterAnswer(HttpContext http, string description, Func<HttpClient, CancellationToken, Task<HttpResponseMessage>> send)
    {
        http.Response.OnCompleted(() =>
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    using var response = await send(_receipts, _stopping.Token);
                    if (!response.IsSuccessStatusCode)
                    {
                        Logger.LogWarning("Sandbox {Receipt} was answered {StatusCode}", description, (int)response.StatusCode);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    Logger.LogWarning("Sandbox {Receipt} could not be delivered: {Error}", description, e.Message);
                }
            });
            return Task.CompletedTask;
        });
    }

    internal string IssueAccessToken()
    {
        var token = "ya29.sandbox-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        _accessTokens[token] = Time.GetUtcNow() + Options.AccessTokenLifetime;
        return token;
    }

    internal bool IsAccessTokenValid(string? token) =>
        token is not null && _accessTokens.TryGetValue(token, out var expires) && expires > Time.GetUtcNow();

    /// <summary>A JSON answer written exactly as given (providers use snake_case, kebab-case and camelCase).</summary>
    internal static IResult Json(JsonNode body, int statusCode = StatusCodes.Status200OK) =>
        Results.Text(body.ToJsonString(), "application/json", Encoding.UTF8, statusCode);

    internal static void SetRetryAfter(HttpContext http, FaultSettings faults) =>
        http.Response.Headers.RetryAfter = faults.RetryAfterSeconds.ToString();

    /// <summary>User and password of a basic authorization header.</summary>
    internal static (string User, string Password)? BasicCredentials(HttpContext http)
    {
        if (!AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return null;
        }

        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            var colon = pair.IndexOf(':');
            return colon < 0 ? null : (pair[..colon], pair[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The token of a bearer authorization header.</summary>
    internal static string? BearerToken(HttpContext http) =>
        AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization, out var header)
        && string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            ? header.Parameter
            : null;

    internal static async Task<string> ReadBodyAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(http.RequestAborted);
    }

    /// <summary>Form fields of a form post, or none when the body is not a form.</summary>
    internal static async Task<Dictionary<string, string>> ReadFormAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        return form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
    }

    /// <summary>Whether a test address, number or token is one of the always-invalid ones.</summary>
    internal static bool IsMarkedInvalid(string? value) =>
        value is not null && value.Contains("invalid", StringComparison.OrdinalIgnoreCase);
}
