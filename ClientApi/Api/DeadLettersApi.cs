using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using PaymentNotifications.Api.Validation;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using Orleans;

namespace PaymentNotifications.Api;

/// <summary>/v1/admin/dead-letters: the FAILED notifications of every tenant, and their replay.</summary>
public static class DeadLettersApi
{
    /// <summary>Most dead letters one "since" replay puts back to PENDING.</summary>
    public const int MaxReplay = 10_000;

    /// <summary>Most ids one replay names.</summary>
    public const int MaxReplayIds = 1000;

    public static IEndpointRouteBuilder MapDeadLetterRoutes(this IEndpointRouteBuilder admin)
    {
        var group = admin.MapGroup("dead-letters").WithTags("Admin: dead letters");
        group.MapGet("", DeadLetters).WithName("ListDeadLetters")
            .WithSummary("List FAILED notifications, newest first, filterable by tenantId, channel, type, userId and since; cursor paging.")
            .Produces<NotificationListResponse>().ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapPost("replay", Replay).WithName("ReplayDeadLetters")
            .WithSummary("Put dead letters back to PENDING with a fresh attempt budget: by ids, or every one that failed since a time.")
            .TakesJson<ReplayRequest>()
            .Produces<ReplayResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status400BadRequest);
        return admin;
    }

    private static async Task<IResult> DeadLetters(HttpContext http, INotificationQueries queries, IOptions<ApiOptions> options)
    {
        if (http.Request.Query.ContainsKey("state"))
        {
            return ApiProblems.Validation("state", "Dead letters are the FAILED notifications; filter by channel, type, userId, tenantId or since.");
        }
        var (filter, limit, cursor, problem) = ListQuery.Parse(http.Request.Query, options.Value.MaxPageSize);
        if (problem is not null)
        {
            return problem;
        }
        var tenantId = http.Request.Query["tenantId"].ToString();
        if (tenantId.Length > FieldRules.MaxIdLength)
        {
            return ApiProblems.Validation("tenantId", $"At most {FieldRules.MaxIdLength} characters.");
        }
        var page = await queries.ListAsync(tenantId.Length > 0 ? tenantId : null, filter! with { State = NotificationState.Failed }, limit, cursor, http.RequestAborted);
        return TypedResults.Ok(new NotificationListResponse(page.Items, page.NextCursor));
    }

    private static async Task<IResult> Replay(HttpRequest http, INotificationQueries queries, IGrainFactory grains)
    {
        var (request, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.ReplayRequest);
        if (malformed is not null)
        {
            return malformed;
        }
        var errors = new ValidationErrors();
        if ((request!.Ids is null) == (request.Since is null))
        {
            errors.Add("ids", "Give either ids (a list of notification ids) or since (an RFC 3339 time), not both.");
        }
        if (request.Ids is { } given)
        {
            if (given.Count is 0 or > MaxReplayIds)
            {
                errors.Add("ids", $"Give 1 to {MaxReplayIds} ids.");
            }
            else if (given.Any(id => string.IsNullOrEmpty(id) || id.Length > FieldRules.MaxIdLength))
            {
                errors.Add("ids", $"Each id has 1 to {FieldRules.MaxIdLength} characters.");
            }
        }
        if (request.TenantId is not null)
        {
            errors.Check("tenantId", FieldRules.Identifier(request.TenantId));
        }
        if (!errors.IsValid)
        {
            return ApiProblems.Validation(errors.ToDictionary());
        }
        var ids = request.Ids ?? await queries.FindFailedAsync(request.TenantId, request.Since!.Value, MaxReplay, http.HttpContext.RequestAborted);
        var replayed = 0;
        var notReplayed = new List<string>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            var tenantId = NotificationId.IsWellFormed(id) ? await queries.FindTenantAsync(id, http.HttpContext.RequestAborted) : null;
            if (tenantId is not null && (await grains.GetGrain<INotificationGrain>(id).Retry(tenantId)).Status == CommandStatus.Applied)
            {
                replayed++;
            }
            else
            {
                notReplayed.Add(id);
            }
        }
        return TypedResults.Accepted((string?)null, new ReplayResponse(replayed, notReplayed));
    }
}
