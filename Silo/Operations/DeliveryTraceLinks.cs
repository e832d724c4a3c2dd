using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Grains.Interfaces.Notifications;

namespace PaymentNotifications.Silo.Operations;

/// <summary>
/// Joins a notification's delivery requests to the trace of the submit that created it. Grain turns
/// do not carry the caller's trace (the runtime exposes no hook for it), so the silo remembers the
/// submit's trace context by notification id and, when a webhook request for that id (webhook-id
/// header) goes out outside that trace, opens a "notification.deliver" span under it. Works when
/// the notification's grain runs on the silo that took the submit; a bounded memory, newest kept.
/// </summary>
public sealed class DeliveryTraceLinks
{
    public static readonly ActivitySource Source = new("PaymentNotifications.Delivery");

    private const int Capacity = 20_000;
    private readonly ConcurrentDictionary<string, ActivityContext> _byNotification = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public void Remember(string notificationId, ActivityContext context)
    {
        if (_byNotification.TryAdd(notificationId, context))
        {
            _order.Enqueue(notificationId);
            while (_order.Count > Capacity && _order.TryDequeue(out var oldest))
            {
                _byNotification.TryRemove(oldest, out _);
            }
        }
    }

    public bool TryGet(string notificationId, out ActivityContext context) => _byNotification.TryGetValue(notificationId, out context);

    /// <summary>
    /// Before a POST /v1/notifications runs, remembers the request's trace under the id the notification
    /// will have (tenant and idempotency key): delivery may start before the response is written.
    /// </summary>
    public async Task RememberSubmitsAsync(HttpContext context, RequestDelegate next)
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals("/v1/notifications", StringComparison.OrdinalIgnoreCase)
            && Activity.Current is { } submit && context.User.FindFirst(ApiKeyAuthenticationHandler.TenantClaim)?.Value is { } tenantId)
        {
            var key = context.Request.Headers["Idempotency-Key"].ToString();
            if (key.Length == 0)
            {
                key = await IdempotencyKeyOfBodyAsync(context.Request) ?? "";
            }
            if (key.Length > 0)
            {
                Remember(NotificationId.For(tenantId, key), submit.Context);
            }
        }
        await next(context);
    }

    private static async Task<string?> IdempotencyKeyOfBodyAsync(HttpRequest request)
    {
        request.EnableBuffering();
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("idempotencyKey", out var key)
                && key.ValueKind == JsonValueKind.String ? key.GetString() : null;
        }
        catch (JsonException)
        {
            // Not JSON: the API answers 400 and nothing is delivered.
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }
}

/// <summary>Opens the delivery span for outgoing webhook requests that are not already in their submit's trace.</summary>
public sealed class DeliveryTraceHandler(DeliveryTraceLinks links) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A turn may run under no trace or under an unrelated one (the context of whatever started the activation).
        if (request.Headers.TryGetValues("webhook-id", out var ids) && ids.FirstOrDefault() is { } id
            && links.TryGet(id, out var submit) && Activity.Current?.TraceId != submit.TraceId)
        {
            using var activity = DeliveryTraceLinks.Source.StartActivity("notification.deliver", ActivityKind.Internal, submit);
            activity?.SetTag("notification.id", id);
            return await base.SendAsync(request, cancellationToken);
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
