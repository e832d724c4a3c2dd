using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Notifications.Orleans.Api.Authentication;
using Notifications.Orleans.Grains.Interfaces.Contracts;
using Notifications.Orleans.Grains.Interfaces.Notifications;
using Notifications.Orleans.Grains.Interfaces.Templates;
using Notifications.Orleans.Runtime;

namespace Notifications.Orleans.Api;

/// <summary>/v1/notifications: submit, read, list, cancel and retry a tenant's notifications.</summary>
public static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationRoutes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/notifications").RequireAuthorization(ApiKeyAuthenticationHandler.TenantPolicy).WithTags("Notifications");
        group.MapPost("", Submit).WithName("SubmitNotification")
            .WithSummary("Submit a notification; answered once it is durably PENDING.")
            .Produces<NotificationView>(StatusCodes.Status202Accepted).Produces<NotificationView>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .Accepts<NotificationRequest>("application/json");
        group.MapGet("{id}", Get).WithName("GetNotification").Produces<NotificationView>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("", List).WithName("ListNotifications").WithSummary("List notifications, newest first, with cursor paging.")
            .Produces<NotificationListResponse>().ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapPost("{id}/cancel", Cancel).WithName("CancelNotification").Produces<NotificationView>()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("{id}/retry", Retry).WithName("RetryNotification").Produces<NotificationView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<IResult> Submit(HttpRequest http, ClaimsPrincipal user, IGrainFactory grains, TimeProvider time)
    {
        var (request, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.NotificationRequest);
        if (malformed is not null)
        {
            return malformed;
        }
        var headerKey = http.Headers["Idempotency-Key"].ToString();
        if (headerKey.Length > 0)
        {
            if (request!.IdempotencyKey is not null && request.IdempotencyKey != headerKey)
            {
                return ApiProblems.Validation("idempotencyKey", "The Idempotency-Key header and the idempotencyKey field differ.");
            }
            request = request with { IdempotencyKey = headerKey };
        }
        var errors = NotificationRequestValidator.Validate(request!, time.GetUtcNow());
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }
        request = request! with { Priority = request.Priority ?? Priority.Normal };

        var tenantId = user.TenantId();
        if (request.Template is not null)
        {
            // Rendered once now, so a missing template or variable is a 400 here rather than a failure at send time.
            var rendered = await grains.GetGrain<ITemplateGrain>(TemplateKey.For(tenantId, request.Template))
                .Render(request.Channel!.Value, request.Recipient?.Locale, request.Data);
            if (rendered.Errors is { } templateErrors)
            {
                return ApiProblems.Validation(templateErrors.ToDictionary(e => e.Key, e => e.Value));
            }
        }
        var id = NotificationId.For(tenantId, request.IdempotencyKey!);
        var outcome = await grains.GetGrain<INotificationGrain>(id).Submit(tenantId, request, RequestHash(request));
        return outcome.Status switch
        {
            SubmitStatus.Created => TypedResults.Accepted($"/v1/notifications/{id}", outcome.Notification),
            SubmitStatus.Existing => TypedResults.Ok(outcome.Notification),
            _ => ApiProblems.Conflict(ApiProblems.IdempotencyConflict, "The idempotency key was used with a different body.",
                $"Notification {id} was submitted with idempotency key '{request.IdempotencyKey}' and a different body; use a new key for a new notification.",
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
            _ => WrongState(outcome.Notification!, "retried", "FAILED"),
        };
    }

    internal static IResult NotFound(string id) => ApiProblems.NotFoundProblem($"No notification '{id}' exists for this tenant.");

    private static IResult WrongState(NotificationView view, string verb, string required) =>
        ApiProblems.Conflict(ApiProblems.InvalidState, $"Only {required} notifications can be {verb}.",
            $"Notification {view.Id} is {WireNames.Of(view.State)}.", new Dictionary<string, object?> { ["state"] = WireNames.Of(view.State) });

    /// <summary>SHA-256 of the request as parsed and re-serialized: spacing and field order outside "data" do not change it.</summary>
    internal static string RequestHash(NotificationRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, ApiJsonContext.Default.NotificationRequest)));
}
