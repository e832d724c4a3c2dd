using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Api.Validation;
using PaymentNotifications.Grains.Interfaces.Merchants;
using PaymentNotifications.Grains.Interfaces.Tenants;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Webhooks;
using Orleans;

namespace PaymentNotifications.Api;

/// <summary>/v1/merchants: the merchants with a webhook endpoint; /v1/merchants/{merchantId}/webhook-endpoint: a merchant's endpoint, its secret and rotation.</summary>
public static class MerchantsApi
{
    public static RouteGroupBuilder MapMerchantRoutes(this IEndpointRouteBuilder routes)
    {
        var merchants = routes.MapGroup("/v1/merchants").RequireAuthorization(ApiKeyAuthenticationHandler.TenantPolicy).WithTags("Merchant webhook endpoints");
        merchants.MapGet("", List).WithName("ListMerchants").WithSummary("List the tenant's merchants that have a webhook endpoint, by id, with cursor paging.")
            .Produces<MerchantListResponse>().ProducesProblem(StatusCodes.Status400BadRequest);
        var group = merchants.MapGroup("{merchantId}/webhook-endpoint");
        group.MapPut("", Put).WithName("PutWebhookEndpoint")
            .WithSummary("Create or replace (and re-enable) a merchant's endpoint; a secret (whsec_ + base64) is generated when none is given.")
            .WithDescription("The URL must be absolute http(s) without credentials or fragment; https only when Webhooks:RequireHttps is on "
                + "(the default in durable mode); loopback, private and link-local targets are refused unless in Webhooks:AllowedNetworks.")
            .TakesJson<WebhookEndpointRequest>()
            .Produces<WebhookEndpointView>().ProducesProblem(StatusCodes.Status400BadRequest).RefusesOverQuota();
        group.MapGet("", Get).WithName("GetWebhookEndpoint").WithSummary("Read a merchant's endpoint, its current secret included.")
            .Produces<WebhookEndpointView>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("", Delete).WithName("DeleteWebhookEndpoint").WithSummary("Remove a merchant's endpoint; its webhooks then end NOT_APPLY.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("rotate-secret", Rotate).WithName("RotateWebhookSecret").TakesNoBody()
            .WithSummary("Make a new signing secret; the previous one keeps signing until previousSecretExpiresAt (Webhooks:SecretRotationOverlap).")
            .Produces<RotatedSecret>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return merchants;
    }

    private static Task<IResult> List(HttpContext http, ClaimsPrincipal user, IStoredItemIndex index, IOptions<ApiOptions> options) =>
        StoredItemLists.ListAsync(http, user, index, options.Value.MaxPageSize, StoredKind.WebhookEndpoints,
            (ids, next) => new MerchantListResponse(ids.Select(id => new MerchantListItem(id)).ToList(), next));

    private static async Task<IResult> Put(string merchantId, HttpRequest http, ClaimsPrincipal user, IGrainFactory grains, WebhookTargetGuard guard)
    {
        if (FieldRules.MerchantId(merchantId) is { } merchantError)
        {
            return ApiProblems.Validation("merchantId", merchantError);
        }
        var (request, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.WebhookEndpointRequest);
        if (malformed is not null)
        {
            return malformed;
        }
        var errors = WebhookEndpointRules.Validate(request!, guard);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }
        return TypedResults.Ok(await Endpoint(grains, user, merchantId).Put(request!));
    }

    private static async Task<IResult> Get(string merchantId, ClaimsPrincipal user, IGrainFactory grains) =>
        IsMerchantId(merchantId) && await Endpoint(grains, user, merchantId).Get() is { } view
            ? TypedResults.Ok(view)
            : NoEndpoint(merchantId);

    private static async Task<IResult> Delete(string merchantId, ClaimsPrincipal user, IGrainFactory grains) =>
        IsMerchantId(merchantId) && await Endpoint(grains, user, merchantId).Delete()
            ? TypedResults.NoContent()
            : NoEndpoint(merchantId);

    private static async Task<IResult> Rotate(string merchantId, ClaimsPrincipal user, IGrainFactory grains) =>
        IsMerchantId(merchantId) && await Endpoint(grains, user, merchantId).RotateSecret() is { } rotated
            ? TypedResults.Ok(rotated)
            : NoEndpoint(merchantId);

    private static IMerchantEndpointGrain Endpoint(IGrainFactory grains, ClaimsPrincipal user, string merchantId) =>
        grains.GetGrain<IMerchantEndpointGrain>(MerchantEndpointKey.For(user.TenantId(), merchantId));

    private static bool IsMerchantId(string merchantId) => FieldRules.MerchantId(merchantId) is null;

    private static IResult NoEndpoint(string merchantId) => ApiProblems.NotFoundProblem($"Merchant '{TenantsApi.Shorten(merchantId)}' has no webhook endpoint.");
}
