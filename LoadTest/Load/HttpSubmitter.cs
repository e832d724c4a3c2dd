using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace PaymentNotifications.LoadTest.Load;

/// <summary>The answer to one submit: the HTTP status (0 when none came) and the notification id it named.</summary>
/// <param name="Error">Why no answer came (timeout, refused, reset...), or null.</param>
public readonly record struct SubmitAnswer(int Status, string? NotificationId, string? Error)
{
    public bool Answered => Status != 0;

    public bool Accepted => Status is 200 or 202;

    /// <summary>Worth sending again with the same key: no answer, a server error, 408 or 429.</summary>
    public bool Retryable => Status is 0 or 408 or 429 or >= 500;
}

/// <summary>Sends notifications to the cluster, one request per call.</summary>
public interface ISubmitter : IDisposable
{
    Task<SubmitAnswer> SubmitAsync(PlannedRequest request, CancellationToken cancellationToken);
}

/// <summary>Where the cluster is and how to talk to it.</summary>
public sealed record ConnectionOptions
{
    /// <summary>Base URLs of the silos (or of a load balancer); requests go round-robin over them.</summary>
    public required IReadOnlyList<Uri> Targets { get; init; }

    /// <summary>Most connections per target, which bounds the requests in flight to each. Default 256.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Time one request may take before it counts as unanswered. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Speak HTTP/2 without TLS (prior knowledge) instead of HTTP/1.1. Default false.</summary>
    public bool Http2 { get; init; }
}

/// <summary>Submits over raw HTTP: pre-serialized bodies, no retries, the id read from the answer with a forward-only reader.</summary>
public sealed class HttpSubmitter : ISubmitter
{
    private readonly HttpClient _http;
    private readonly Uri[] _submitUrls;
    private readonly TimeSpan _timeout;
    private long _next;

    public HttpSubmitter(ConnectionOptions connection, string apiKey)
    {
        _http = CreateClient(connection);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        _submitUrls = connection.Targets.Select(t => new Uri(t, "/v1/notifications")).ToArray();
        _timeout = connection.RequestTimeout;
    }

    /// <summary>An HttpClient tuned for many short requests to a few local servers.</summary>
    public static HttpClient CreateClient(ConnectionOptions connection) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connection.MaxConnections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            EnableMultipleHttp2Connections = true,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = connection.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

    public async Task<SubmitAnswer> SubmitAsync(PlannedRequest request, CancellationToken cancellationToken)
    {
        var url = _submitUrls[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)_submitUrls.Length)];
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(request.Body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var status = (int)response.StatusCode;
            string? id = null;
            if (status is 200 or 202)
            {
                id = ReadId(await response.Content.ReadAsByteArrayAsync(timeout.Token));
            }
            return new SubmitAnswer(status, id, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SubmitAnswer(0, null, "timeout");
        }
        catch (HttpRequestException e)
        {
            return new SubmitAnswer(0, null, Describe(e));
        }
    }

    /// <summary>The top-level "id" of a JSON object, or null.</summary>
    public static string? ReadId(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                reader.Read();
                if (isId && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: no id.
        }
        return null;
    }

    /// <summary>A short name for a transport failure: refused, reset, ended, or the exception type.</summary>
    public static string Describe(HttpRequestException e) => e.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection-refused",
        SocketException { SocketErrorCode: SocketError.ConnectionReset } => "connection-reset",
        IOException => "connection-ended",
        _ => e.HttpRequestError.ToString(),
    };

    public void Dispose() => _http.Dispose();
}
