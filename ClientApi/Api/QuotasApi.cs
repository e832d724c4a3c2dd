using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Orleans;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Api;

/// <summary>A tenant's quotas as the API returns them.</summary>
public sealed record QuotasResponse(IReadOnlyList<QuotaUsage> Quotas);

/// <summary>/v1/quotas: how much of each quota (<c>Quotas:*</c>) the calling tenant uses; and the 409 a store over one gets.</summary>
public static class QuotasApi
{
    public static RouteHandlerBuilder MapQuotaRoutes(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/v1/quotas", Get).RequireAuthorization(ApiKeyAuthenticationHandler.TenantPolicy).WithTags("Quotas")
            .WithName("GetQuotas").WithSummary("What the tenant stores (templates, webhook endpoints, users with preferences) against its limits.")
            .Produces<QuotasResponse>();

    /// <summary>Answers a store refused by a quota with 409 <c>/problems/quota-exceeded</c> naming it.</summary>
    public static RouteHandlerBuilder RefusesOverQuota(this RouteHandlerBuilder builder) =>
        builder.ProducesProblem(StatusCodes.Status409Conflict).AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (QuotaExceededException e)
            {
                return ApiProblems.OverQuota(e);
            }
        });

    private static async Task<IResult> Get(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(new QuotasResponse(await grains.GetGrain<ITenantQuotaGrain>(user.TenantId()).Get()));
}
