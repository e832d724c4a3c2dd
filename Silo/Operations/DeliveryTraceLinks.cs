using System.Collections.Concurrent;
using System.Diagnostics;

namespace Notifications.Orleans.Silo.Operations;

/// <summary>
/// Joins a notification's delivery requests to the trace of the submit that created it. Grain turns
/// do not carry the caller's trace (the runtime exposes no hook for it), so the silo remembers the
/// submit's trace context by notification id and, when a webhook request for that id (webhook-id
/// header) goes out without a current trace, opens a "notification.deliver" span under it. Works when
/// the notification's grain runs on the silo that took the submit; a bounded memory, newest kept.
/// </summary>
public sealed class DeliveryTraceLinks
{
    public static readonly ActivitySource Source = new("Notifications.Orleans.Delivery");

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

    /// <summary>After a 202 to POST /v1/notifications, remembers the request's trace under the new notification's id (from Location).</summary>
    public async Task RememberSubmitsAsync(HttpContext context, RequestDelegate next)
    {
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status202Accepted && HttpMethods.IsPost(context.Request.Method)
            && context.Request.Path.StartsWithSegments("/v1/notifications") && Activity.Current is { } submit
            && context.Response.Headers.Location.ToString() is { Length: > 0 } location)
        {
            Remember(location[(location.LastIndexOf('/') + 1)..], submit.Context);
        }
    }
}

/// <summary>Opens the delivery span for outgoing webhook requests that have no trace of their own.</summary>
public sealed class DeliveryTraceHandler(DeliveryTraceLinks links) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Activity.Current is null && request.Headers.TryGetValues("webhook-id", out var ids) && ids.FirstOrDefault() is { } id
            && links.TryGet(id, out var submit))
        {
            using var activity = DeliveryTraceLinks.Source.StartActivity("notification.deliver", ActivityKind.Internal, submit);
            activity?.SetTag("notification.id", id);
            return await base.SendAsync(request, cancellationToken);
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
