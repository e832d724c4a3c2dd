using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using PaymentNotifications.Api.Authentication;

namespace PaymentNotifications.Api;

/// <summary>/v1/admin: tenants and their keys, dead letters and the cluster, for operators holding the admin key.</summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminRoutes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/admin").RequireAuthorization(ApiKeyAuthenticationHandler.AdminPolicy);
        group.MapTenantRoutes();
        group.MapDeadLetterRoutes();
        return group;
    }
}
