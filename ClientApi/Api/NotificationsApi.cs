using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Api.RateLimiting;
using PaymentNotifications.Api.Validation;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Interfaces.Templates;
using PaymentNotifications.Grains.Dispatch;
using Microsoft.Extensions.Options;
using Orleans;

namespace PaymentNotifications.Api;

/// <summary>/v1/notifications: submit, read, list, cancel and retry a tenant's notifications.</summary>
public static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationRoutes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/notifications").RequireAuthorization(ApiKeyAuthenticationHandler.TenantPolicy).WithTags("Notifications");
        group.MapPost("", Submit).WithName("SubmitNotification")
            .WithSummary("Submit a notification; answered once it is durably PENDING.")
            .WithDescription("202 with Location when new; 200 with the same notification when the idempotency key was seen with the same body; "
                + "409 when it was seen with a different body; 400 with field errors when invalid (nothing is created); "
                + "429 with Retry-After past the tenant's submit rate across the cluster (Api:SubmitRate; nothing is created).")
            .Produces<NotificationView>(StatusCodes.Status202Accepted).Produces<NotificationView>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .TakesJson<NotificationRequest>();
        group.MapGet("{id}", Get).WithName("GetNotification").WithSummary("Read a notification and its attempts; another tenant's is 404.")
            .Produces<NotificationView>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("", List).WithName("ListNotifications").WithSummary("List notifications, newest first, with cursor paging.")
            .Produces<NotificationListResponse>().ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapPost("{id}/cancel", Cancel).WithName("CancelNotification").TakesNoBody().WithSummary("Cancel a PENDING notification; 409 otherwise.")
            .Produces<NotificationView>().ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("{id}/retry", Retry).WithName("RetryNotification").TakesNoBody()
            .WithSummary("Put a FAILED notification back to PENDING with a fresh attempt budget; 409 otherwise.")
            .Produces<NotificationView>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<IResult> Submit(HttpRequest http, ClaimsPrincipal user, IGrainFactory grains, TimeProvider time, IOptions<MessageLimitOptions> limits,
        ClusterSubmitRate submitRate)
    {
        var (fields, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.NotificationRequestFields);
        if (malformed is not null)
        {
            return malformed;
        }
        if (http.Headers.TryGetValue("Idempotency-Key", out var header))
        {
            var headerKey = header.ToString();
            if (fields!.IdempotencyKey is not null && fields.IdempotencyKey != headerKey)
            {
                return ApiProblems.Validation("idempotencyKey", "The Idempotency-Key header and the idempotencyKey field differ.");
            }
            fields = fields with { IdempotencyKey = headerKey };
        }
        var errors = NotificationRequestRules.Validate(fields!, time.GetUtcNow());
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }
        var request = NotificationRequestRules.ToRequest(fields!);
        if (request.Template is null && limits.Value.TooLarge(request.Channel!.Value, request.Content?.Subject, request.Content?.Text, request.Data) is { } tooLarge)
        {
            return ApiProblems.Validation(request.Channel == Channel.Sms ? "content.text" : "content", tooLarge);
        }

        var tenantId = user.TenantId();
        // After validation, so a bad body costs no token; before the template and notification grains, so a refused
        // submit costs neither and creates nothing. A replay of a known idempotency key takes a token too.
        var permit = await submitRate.TakeAsync(tenantId, http.HttpContext.RequestAborted);
        if (!permit.Granted)
        {
            return submitRate.Refusal(http.HttpContext.Response, permit.RetryAfter);
        }
        if (request.Template is not null)
        {
            // Rendered once now, so a missing template or variable is a 400 here rather than a failure at send time.
            var rendered = await grains.GetGrain<ITemplateGrain>(TemplateKey.For(tenantId, request.Template))
                .Render(request.Channel!.Value, request.Recipient?.Locale, request.Data);
            if (rendered.Errors is { } templateErrors)
            {
                return ApiProblems.Validation(templateErrors.ToDictionary(e => e.Key, e => e.Value));
            }
            var message = rendered.Rendered;
            var body = request.Channel == Channel.Push ? message?.Body : message?.Text;
            if (limits.Value.TooLarge(request.Channel!.Value, message?.Title, body, request.Data) is { } renderedTooLarge)
            {
                return ApiProblems.Validation("template", "Rendered with this data: " + renderedTooLarge);
            }
        }
        var id = NotificationId.For(tenantId, request.IdempotencyKey!);
        var outcome = await grains.GetGrain<INotificationGrain>(id).Submit(tenantId, request, RequestHash(request));
        return outcome.Status switch
        {
            SubmitStatus.Created => TypedResults.Accepted($"/v1/notifications/{id}", outcome.Notification),
            SubmitStatus.Existing => TypedResults.Ok(outcome.Notification),
            _ => ApiProblems.Conflict(ApiProblems.IdempotencyConflict, "The idempotency key was used with a different body.",
                $"Notification {id} was submitted with this idempotency key and a different body; use a new key for a new notification.",
                new Dictionary<string, object?> { ["notificationId"] = id }),
        };
    }

    private static async Task<IResult> Get(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var view = NotificationId.IsWellFormed(id) ? await grains.GetGrain<INotificationGrain>(id).Get(user.TenantId()) : null;
        return view is null ? NotFound(id) : TypedResults.Ok(view);
    }

    private static async Task<IResult> List(HttpContext http, ClaimsPrincipal user, INotificationQueries queries, Microsoft.Extensions.Options.IOptions<ApiOptions> options)
    {
        var (filter, limit, cursor, problem) = ListQuery.Parse(http.Request.Query, options.Value.MaxPageSize);
        if (problem is not null)
        {
            return problem;
        }
        var page = await queries.ListAsync(user.TenantId(), filter!, limit, cursor, http.RequestAborted);
        return TypedResults.Ok(new NotificationListResponse(page.Items, page.NextCursor));
    }

    private static async Task<IResult> Cancel(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!NotificationId.IsWellFormed(id))
        {
            return NotFound(id);
        }
        var outcome = await grains.GetGrain<INotificationGrain>(id).Cancel(user.TenantId());
        return outcome.Status switch
        {
            CommandStatus.Applied => TypedResults.Ok(outcome.Notification),
            CommandStatus.NotFound => NotFound(id),
            _ => WrongState(outcome.Notification!, "cancelled", "PENDING"),
        };
    }

    private static async Task<IResult> Retry(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!NotificationId.IsWellFormed(id))
        {
            return NotFound(id);
        }
        var outcome = await grains.GetGrain<INotificationGrain>(id).Retry(user.TenantId());
        return outcome.Status switch
        {
            CommandStatus.Applied => TypedResults.Accepted($"/v1/notifications/{id}", outcome.Notification),
            CommandStatus.NotFound => NotFound(id),
            CommandStatus.ContentRemoved => ApiProblems.Conflict(ApiProblems.ContentRemoved, "The notification's content is no longer kept.",
                $"Notification {id} finished at {outcome.Notification!.CompletedAt:O} and its data and content were removed at "
                + $"{outcome.Notification.ContentRemovedAt:O} under the retention rules (Retention:*); submit it again under a new idempotency key."),
            _ => WrongState(outcome.Notification!, "retried", "FAILED"),
        };
    }

    internal static IResult NotFound(string id) => ApiProblems.NotFoundProblem($"No notification '{TenantsApi.Shorten(id)}' exists for this tenant.");

    private static IResult WrongState(NotificationView view, string verb, string required) =>
        ApiProblems.Conflict(ApiProblems.InvalidState, $"Only {required} notifications can be {verb}.",
            $"Notification {view.Id} is {WireNames.Of(view.State)}.", new Dictionary<string, object?> { ["state"] = WireNames.Of(view.State) });

    /// <summary>
    /// SHA-256 of the request as parsed and re-serialized: spacing and field order outside "data" do not change it.
    /// Callers inside the cluster pass it to <see cref="INotificationGrain.Submit"/> so a resubmission is judged
    /// the same way as over HTTP.
    /// </summary>
    public static string RequestHash(NotificationRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, ApiJsonContext.Default.NotificationRequest)));
}
