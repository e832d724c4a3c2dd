using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace PaymentNotifications.Client.Http;

/// <summary>
/// Retries transient failures of a call with exponential backoff and jitter, honouring <c>Retry-After</c>
/// up to a cap, and bounds each attempt with a timeout.
/// </summary>
/// <remarks>
/// A failure the server may have acted on (a dropped connection, a 502/504, an attempt timeout) is retried
/// only when repeating the request is harmless: GET/PUT/DELETE, a POST carrying an <c>Idempotency-Key</c>,
/// or one marked with <see cref="Repeatable"/>. Failures that happen before the server acts (no connection,
/// 408, 429, 503) are retried for every request.
/// </remarks>
internal sealed class ResilienceHandler : DelegatingHandler
{
    /// <summary>Marks a request whose repetition is harmless although its method is not idempotent.</summary>
    public static readonly HttpRequestOptionsKey<bool> Repeatable = new("Notifications.Repeatable");

    private static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("Notifications.Request");

    private readonly ResiliencePipeline<HttpResponseMessage> pipeline;
    private readonly TimeSpan attemptTimeout;

    public ResilienceHandler(NotificationsClientOptions options, TimeProvider timeProvider, ILogger logger)
    {
        attemptTimeout = options.AttemptTimeout;
        var maxRetryDelay = options.MaxRetryDelay;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider };

        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = maxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context, timeProvider, maxRetryDelay)),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { } response ? RetryAfterHeader.Read(response, timeProvider) : null),
                OnRetry = args =>
                {
                    var request = args.Context.Properties.GetValue(RequestKey, null!);
                    logger.LogWarning(
                        "Retrying {Method} {Path} in {Delay} after {Failure} (retry {Retry} of {MaxRetries})",
                        request.Method,
                        request.RequestUri?.AbsolutePath,
                        args.RetryDelay,
                        Describe(args.Outcome),
                        args.AttemptNumber + 1,
                        options.MaxRetries);
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        if (attemptTimeout != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(attemptTimeout);
        }

        pipeline = builder.Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Every attempt must send the same bytes (a retried submit must match the first body), so the
        // content is buffered once; the same request message is then sent again by this handler.
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestKey, request);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (ctx, state) =>
                {
                    var response = await state.Handler.SendOnceAsync(state.Request, ctx.CancellationToken).ConfigureAwait(false);
                    try
                    {
                        // Reading the body inside the attempt makes a connection dropped mid-body retryable too.
                        await response.Content.LoadIntoBufferAsync(ctx.CancellationToken).ConfigureAwait(false);
                        return response;
                    }
                    catch
                    {
                        response.Dispose();
                        throw;
                    }
                },
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException timeout)
        {
            throw new TimeoutException(
                $"{request.Method} {request.RequestUri?.AbsolutePath} got no answer within the attempt timeout of {attemptTimeout}.",
                timeout);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private static bool IsTransient(
        Outcome<HttpResponseMessage> outcome,
        ResilienceContext context,
        TimeProvider timeProvider,
        TimeSpan maxRetryDelay)
    {
        var request = context.Properties.GetValue(RequestKey, null!);
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

    private static bool IsRepeatable(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get
        || request.Method == HttpMethod.Head
        || request.Method == HttpMethod.Put
        || request.Method == HttpMethod.Delete
        || request.Headers.Contains(IdempotencyKeyHeader.Name)
        || (request.Options.TryGetValue(Repeatable, out var repeatable) && repeatable);

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is { } exception
            ? exception.GetType().Name
            : $"{(int)outcome.Result!.StatusCode} {outcome.Result.StatusCode}";
}
