using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Notifications.Orleans.Api.Authentication;
using Notifications.Orleans.Grains.Interfaces.Contracts;
using Notifications.Orleans.Grains.Interfaces.Notifications;
using Notifications.Orleans.Grains.Interfaces.Tenants;
using Notifications.Orleans.Runtime;

namespace Notifications.Orleans.Api;

/// <summary>/v1/admin: tenants and dead letters, for operators holding the admin key.</summary>
public static class AdminApi
{
    /// <summary>Most dead letters one "since" replay puts back to PENDING.</summary>
    public const int MaxReplay = 10_000;

    public static RouteGroupBuilder MapAdminRoutes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/admin").RequireAuthorization(ApiKeyAuthenticationHandler.AdminPolicy).WithTags("Admin");
        group.MapPost("tenants", CreateTenant).WithName("CreateTenant").Accepts<CreateTenantRequest>("application/json")
            .Produces<CreatedTenantResponse>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("dead-letters", DeadLetters).WithName("ListDeadLetters").Produces<NotificationListResponse>().ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapPost("dead-letters/replay", Replay).WithName("ReplayDeadLetters").Accepts<ReplayRequest>("application/json")
            .Produces<ReplayResponse>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status400BadRequest);
        return group;
    }

    private static async Task<IResult> CreateTenant(HttpRequest http, ITenantDirectory tenants)
    {
        var (request, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.CreateTenantRequest);
        if (malformed is not null)
        {
            return malformed;
        }
        if (string.IsNullOrWhiteSpace(request!.Name) || request.Name.Length > 100 || request.Name.Trim() != request.Name)
        {
            return ApiProblems.Validation("name", "Required: 1 to 100 characters, no leading or trailing spaces.");
        }
        try
        {
            var (tenant, apiKey) = await tenants.CreateTenantAsync(request.Name, http.HttpContext.RequestAborted);
            return TypedResults.Created($"/v1/admin/tenants/{tenant.Id}", new CreatedTenantResponse(tenant.Id, tenant.Name, apiKey));
        }
        catch (TenantNameTakenException e)
        {
            return ApiProblems.Conflict(ApiProblems.NameTaken, "The tenant name is taken.", e.Message);
        }
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
        if ((request!.Ids is null) == (request.Since is null))
        {
            return ApiProblems.Validation("ids", "Give either ids (a list of notification ids) or since (an RFC 3339 time), not both.");
        }
        if (request.Ids is { Count: 0 or > 1000 })
        {
            return ApiProblems.Validation("ids", "Give 1 to 1000 ids.");
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
