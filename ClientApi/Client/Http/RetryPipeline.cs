using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Timeout;

namespace PaymentNotifications.Client.Http;

/// <summary>
/// Builds the handler every client sends through, the same way with dependency injection and without: the package's
/// <see cref="ResilienceHandler"/> over a retry (exponential backoff with jitter, <c>Retry-After</c> honoured up to
/// <see cref="NotificationsClientOptions.MaxRetryDelay"/>) and a per-attempt timeout.
/// </summary>
/// <remarks>
/// A failure the server may have acted on (a dropped connection, a 502/504, an attempt timeout) is retried
/// only when repeating the request is harmless: GET/PUT/DELETE, a POST carrying an <c>Idempotency-Key</c>,
/// or one marked with <see cref="Repeatable"/>. Failures that happen before the server acts (no connection,
/// 408, 429, 503) are retried for every request. Every attempt sends the same request message, whose body
/// <see cref="ApiConnection.Json"/> serialized once into a buffer.
/// </remarks>
internal static class RetryPipeline
{
    /// <summary>Marks a request whose repetition is harmless although its method is not idempotent.</summary>
    public static readonly HttpRequestOptionsKey<bool> Repeatable = new("Notifications.Repeatable");

    /// <summary>A new handler (without its inner handler) retrying as <paramref name="options"/> say.</summary>
    public static DelegatingHandler CreateHandler(
        NotificationsClientOptions options,
        TimeProvider timeProvider,
        ILoggerFactory? loggerFactory,
        string categoryName)
    {
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(categoryName);
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(Retry(options, timeProvider, logger));
        }

        if (options.AttemptTimeout != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.AttemptTimeout });
        }

        return new ResilienceHandler(builder.AddStrategy(_ => new ResponseBodyStrategy()).Build());
    }

    private static HttpRetryStrategyOptions Retry(NotificationsClientOptions options, TimeProvider timeProvider, ILogger logger) => new()
    {
        MaxRetryAttempts = options.MaxRetries,
        Delay = options.RetryDelay,
        MaxDelay = options.MaxRetryDelay,
        // Hand-written: the package's predicate retries every 5xx for every method, whatever the server may have done.
        ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context, timeProvider, options.MaxRetryDelay)),
        // Hand-written: the package reads a Retry-After date against the system clock, not the client's TimeProvider.
        ShouldRetryAfterHeader = false,
        DelayGenerator = args => ValueTask.FromResult(
            args.Outcome.Result is { } response ? RetryAfterHeader.Read(response, timeProvider) : null),
        OnRetry = args =>
        {
            var request = args.Context.GetRequestMessage();
            logger.LogWarning(
                "Retrying {Method} {Path} in {Delay} after {Failure} (retry {Retry} of {MaxRetries})",
                request?.Method,
                request?.RequestUri?.AbsolutePath,
                args.RetryDelay,
                Describe(args.Outcome),
                args.AttemptNumber + 1,
                options.MaxRetries);
            return default;
        },
    };

    private static bool ShouldRetry(
        Outcome<HttpResponseMessage> outcome,
        ResilienceContext context,
        TimeProvider timeProvider,
        TimeSpan maxRetryDelay)
    {
        var request = context.GetRequestMessage();
        if (outcome.Exception is { } exception)
        {
            return exception switch
            {
                // The caller gave up: never retry.
                OperationCanceledException when context.CancellationToken.IsCancellationRequested => false,
                HttpRequestException
                {
                    HttpRequestError: HttpRequestError.NameResolutionError
                    or HttpRequestError.ConnectionError
                    or HttpRequestError.SecureConnectionError
                    or HttpRequestError.ProxyTunnelError,
                } => true,
                HttpRequestException or TimeoutRejectedException => IsRepeatable(request),
                _ => false,
            };
        }

        var response = outcome.Result!;
        var retryable = response.StatusCode switch
        {
            HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable => true,
            HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout => IsRepeatable(request),
            _ => false,
        };

        // A wait longer than the cap is left to the caller, who gets the error and its Retry-After.
        return retryable && !(RetryAfterHeader.Read(response, timeProvider) > maxRetryDelay);
    }

    private static bool IsRepeatable(HttpRequestMessage? request) =>
        request is not null
        && (request.Method == HttpMethod.Get
            || request.Method == HttpMethod.Head
            || request.Method == HttpMethod.Put
            || request.Method == HttpMethod.Delete
            || request.Headers.Contains(IdempotencyKeyHeader.Name)
            || (request.Options.TryGetValue(Repeatable, out var repeatable) && repeatable));

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is { } exception
            ? exception.GetType().Name
            : $"{(int)outcome.Result!.StatusCode} {outcome.Result.StatusCode}";
}
