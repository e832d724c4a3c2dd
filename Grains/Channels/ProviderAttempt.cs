using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;

namespace PaymentNotifications.Grains.Channels;

/// <summary>
/// Runs one HTTP attempt at a provider under the attempt timeout and classifies what happened on the wire;
/// the adapters only read the provider's answer.
/// </summary>
internal sealed class ProviderAttempt
{
    /// <summary>Provider error text kept in a result is cut to this length.</summary>
    public const int MaxErrorLength = 500;

    private readonly string _provider;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ProviderAttempt(string provider, HttpClient http, TimeSpan attemptTimeout, TimeProvider time, ILogger logger)
    {
        _provider = provider;
        _http = http;
        _time = time;
        _logger = logger;
        _timeout = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(attemptTimeout).Build();
    }

    /// <summary>
    /// Builds the request (inside the timeout, so fetching an access token counts against it), sends it once
    /// and hands a received answer to <paramref name="interpret"/>. Failures without an answer become
    /// Retryable when the request body never started to go out and Unknown when it did.
    /// </summary>
    public async Task<ProviderResult> SendAsync(
        OutboundMessage message,
        Func<CancellationToken, ValueTask<HttpRequestMessage>> build,
        Func<ProviderResponse, ProviderResult> interpret,
        CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        SendObservingContent? content = null;
        ProviderResult result;
        try
        {
            result = await _timeout.ExecuteAsync(async ct =>
            {
                using var request = await build(ct);
                if (request.Content is not null)
                {
                    content = new SendObservingContent(request.Content);
                    request.Content = content;
                }

                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                return interpret(new ProviderResponse(response.StatusCode, body, response.Headers, RetryAfter(response.Headers)));
            }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (RequestNotSentException e)
        {
            result = new ProviderResult(_provider, e.Outcome, Error: Cut(e.Message));
        }
        catch (Exception e) when (e is TimeoutRejectedException or OperationCanceledException)
        {
            // Our timeout, or a timeout inside a library call (e.g. the token request) that is not the caller's.
            result = content is { Started: true }
                ? new ProviderResult(_provider, ProviderOutcome.Unknown, Error: "timed out waiting for the provider's answer")
                : new ProviderResult(_provider, ProviderOutcome.Retryable, Error: "timed out before the request was sent");
        }
        catch (HttpRequestException e)
        {
            result = content is { Started: true }
                ? new ProviderResult(_provider, ProviderOutcome.Unknown, Error: Cut($"connection lost after sending: {e.Message}"))
                : new ProviderResult(_provider, ProviderOutcome.Retryable, Error: Cut($"request not sent: {e.Message}"));
        }

        _logger.LogInformation(
            "Provider {Provider} attempt for notification {NotificationId}: {Outcome} {StatusCode} in {ElapsedMs} ms",
            _provider, message.NotificationId, result.Outcome, result.StatusCode, (long)_time.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    /// <summary>A GET-style call for status queries: the answer, or an <see cref="HttpRequestException"/>.</summary>
    public async Task<ProviderResponse> QueryAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        try
        {
            return await _timeout.ExecuteAsync(async ct =>
            {
                using var request = build();
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                return new ProviderResponse(response.StatusCode, body, response.Headers, RetryAfter(response.Headers));
            }, cancellationToken);
        }
        catch (TimeoutRejectedException e)
        {
            throw new HttpRequestException($"{_provider} did not answer the status query in time", e);
        }
    }

    public ProviderResult Succeeded(ProviderResponse response, string? providerMessageId) =>
        new(_provider, ProviderOutcome.Success, (int)response.StatusCode, providerMessageId);

    /// <summary>A refusal classified by HTTP status: 408, 429 and 5xx are retryable, the rest permanent.</summary>
    public ProviderResult Failed(ProviderResponse response, string error, bool recipientInvalid = false) =>
        Failed(response, IsTransient(response.StatusCode) ? ProviderOutcome.Retryable : ProviderOutcome.Permanent, error, recipientInvalid);

    public ProviderResult Failed(ProviderResponse response, ProviderOutcome outcome, string error, bool recipientInvalid = false) =>
        new(_provider, outcome, (int)response.StatusCode,
            Error: Cut(error),
            RetryAfter: outcome == ProviderOutcome.Retryable ? response.RetryAfter : null,
            RecipientInvalid: recipientInvalid);

    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    public static string Cut(string text) => text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];

    private TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        var retryAfter = headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    /// <summary>Wraps the request body to learn whether it started to go out, which separates "never sent" from "no answer".</summary>
    private sealed class SendObservingContent : HttpContent
    {
        private readonly HttpContent _inner;
        private volatile bool _started;

        public SendObservingContent(HttpContent inner)
        {
            _inner = inner;
            foreach (var header in inner.Headers.NonValidated)
            {
                if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }
        }

        public bool Started => _started;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            _started = true;
            return _inner.CopyToAsync(stream, context, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            var known = _inner.Headers.ContentLength;
            length = known ?? 0;
            return known.HasValue;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>A provider's HTTP answer, read in full.</summary>
internal sealed record ProviderResponse(HttpStatusCode StatusCode, string Body, HttpResponseHeaders Headers, TimeSpan? RetryAfter)
{
    public bool IsSuccess => (int)StatusCode is >= 200 and < 300;
}

/// <summary>Thrown while building a request when it cannot be made at all (e.g. no access token).</summary>
internal sealed class RequestNotSentException(ProviderOutcome outcome, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ProviderOutcome Outcome { get; } = outcome;
}
