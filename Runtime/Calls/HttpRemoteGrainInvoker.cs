using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Storage;

namespace PaymentNotifications.Runtime.Calls;

/// <summary>
/// Sends grain calls to other silos' internal endpoint over HTTP, JSON in the runtime's options.
/// HTTP/2 is used where the target speaks it: https by ALPN, cleartext by prior knowledge (h2c),
/// which Kestrel serves only on HTTP/2-only listeners; a cleartext listener that also serves
/// HTTP/1.1 refuses h2c, and calls to it then use pooled HTTP/1.1 keep-alive connections, one per
/// concurrent call. The choice is made once per target address, by a harmless probe request sent
/// before the first call, so no grain call is ever sent in a protocol the target refuses.
/// </summary>
public sealed class HttpRemoteGrainInvoker : IRemoteGrainInvoker, IDisposable
{
    // Kestrel's answer to h2c on a listener that needs HTTP/1.1 (RFC 9113 HTTP_1_1_REQUIRED).
    private const long Http11RequiredErrorCode = 0xd;

    private readonly HttpClient _http;
    private readonly RuntimeJson _json;
    private readonly ClusterSecret _secret;
    private readonly ConcurrentDictionary<string, Lazy<Task<Version>>> _protocols = new(StringComparer.OrdinalIgnoreCase);

    public HttpRemoteGrainInvoker(RuntimeJson json, ClusterSecret secret, IOptions<ClusterOptions> options)
    {
        _json = json;
        _secret = secret;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.Value.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            // Silo addresses come and go with deployments; do not keep a connection forever.
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            EnableMultipleHttp2Connections = true,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The HTTP version in use for each target address, once known.</summary>
    public IReadOnlyDictionary<string, Version> Protocols =>
        _protocols.Where(p => p.Value.IsValueCreated && p.Value.Value.IsCompletedSuccessfully)
            .ToDictionary(p => p.Key, p => p.Value.Value.Result, StringComparer.OrdinalIgnoreCase);

    public async Task<object?> InvokeAsync(SiloAddress target, GrainId grainId, GrainMethod method, object?[] arguments, IReadOnlyList<string> callChain, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(target.Address, UriKind.Absolute, out var baseAddress))
        {
            throw new SiloUnreachableException($"Silo {target.SiloId} has not advertised an address yet.");
        }
        var encoded = new JsonElement[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            encoded[i] = JsonSerializer.SerializeToElement(arguments[i], method.ParameterTypes[i], _json.Options);
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new SiloCallRequest(grainId.ToString(), method.Name, encoded, [.. callChain]), SiloCallJsonContext.Default.SiloCallRequest);

        using var response = await SendAsync(target, new Uri(baseAddress, SiloInternalEndpoint.InvokePath), body, cancellationToken);
        var answer = await ReadAnswerAsync(target, response, cancellationToken);
        return answer.Outcome switch
        {
            SiloCallOutcome.Result when method.ResultType is null => null,
            SiloCallOutcome.Result => answer.Result is { } result ? result.Deserialize(method.ResultType, _json.Options) : null,
            SiloCallOutcome.Exception => throw GrainExceptionCodec.Rebuild(answer.Exception ?? new RemoteExceptionInfo(typeof(Exception).FullName!, "")),
            SiloCallOutcome.NotOwner => throw new NotOwnerException($"Silo {target.SiloId} does not own {grainId}.",
                answer.OwnerSiloId is { } owner && answer.OwnerAddress is { } address ? new SiloAddress(owner, address) : null),
            _ => throw new SiloUnavailableException($"Silo {target.SiloId} gave an unknown answer for {grainId}; the call may or may not have run."),
        };
    }

    private async Task<HttpResponseMessage> SendAsync(SiloAddress target, Uri uri, byte[] body, CancellationToken cancellationToken)
    {
        var secret = await _secret.GetAsync(cancellationToken);
        var version = await ProtocolForAsync(target, uri, cancellationToken);
        var content = new CallContent(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Version = version,
            VersionPolicy = VersionPolicy(version, uri),
            Content = content,
        };
        request.Headers.TryAddWithoutValidation(SiloInternalEndpoint.SecretHeader, secret);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The handler may retry on a fresh connection after the server closed one that had read the request,
            // so "not delivered" is judged by whether the body was ever written, not by the final error.
            throw content.Sent
                ? new SiloUnavailableException($"Silo {target.SiloId} at {target.Address} failed during the call; it may or may not have run.", e)
                : new SiloUnreachableException($"Silo {target.SiloId} at {target.Address} could not be reached.", e);
        }
    }

    // Cleartext HTTP/2 needs prior knowledge (exact); https negotiates by ALPN and may settle on 1.1.
    private static HttpVersionPolicy VersionPolicy(Version version, Uri uri) =>
        version == HttpVersion.Version20 && uri.Scheme == Uri.UriSchemeHttp ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower;

    private async Task<Version> ProtocolForAsync(SiloAddress target, Uri uri, CancellationToken cancellationToken)
    {
        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            return HttpVersion.Version20;
        }
        var probe = _protocols.GetOrAdd(target.Address, _ => new Lazy<Task<Version>>(() => ProbeAsync(target, uri)));
        try
        {
            return await probe.Value.WaitAsync(cancellationToken);
        }
        catch (SiloUnreachableException)
        {
            // Not known yet: the next call probes again.
            _protocols.TryRemove(new KeyValuePair<string, Lazy<Task<Version>>>(target.Address, probe));
            throw;
        }
    }

    // A GET of the invoke path (which takes POST only) in HTTP/2 prior knowledge: any answer means h2c works.
    private async Task<Version> ProbeAsync(SiloAddress target, Uri uri)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return HttpVersion.Version20;
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.HttpProtocolError or HttpRequestError.VersionNegotiationError
            || e.InnerException is HttpProtocolException { ErrorCode: Http11RequiredErrorCode })
        {
            return HttpVersion.Version11;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            throw new SiloUnreachableException($"Silo {target.SiloId} at {target.Address} could not be reached.", e);
        }
    }

    private static async Task<SiloCallResponse> ReadAnswerAsync(SiloAddress target, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                try
                {
                    await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                    return await JsonSerializer.DeserializeAsync(stream, SiloCallJsonContext.Default.SiloCallResponse, cancellationToken)
                        ?? throw new JsonException("Empty answer.");
                }
                catch (JsonException e)
                {
                    throw new SiloUnavailableException($"Silo {target.SiloId} sent an unreadable answer; the call may or may not have run.", e);
                }
            case HttpStatusCode.ServiceUnavailable:
                // Answered before any grain code ran (the silo is starting or stopping).
                throw new SiloUnreachableException($"Silo {target.SiloId} is not serving calls yet.");
            case HttpStatusCode.Forbidden:
                throw new InvalidOperationException(
                    $"Silo {target.SiloId} at {target.Address} refused the cluster secret: every silo and client of a cluster needs the same Cluster:Secret.");
            default:
                throw new SiloUnavailableException($"Silo {target.SiloId} answered HTTP {(int)response.StatusCode}; the call may or may not have run.");
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The request body; records whether it was ever written to a connection.</summary>
    private sealed class CallContent : HttpContent
    {
        private readonly byte[] _body;
        private volatile bool _sent;

        public CallContent(byte[] body)
        {
            _body = body;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        public bool Sent => _sent;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            _sent = true;
            await stream.WriteAsync(_body, cancellationToken);
        }

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            _sent = true;
            stream.Write(_body);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }
}
