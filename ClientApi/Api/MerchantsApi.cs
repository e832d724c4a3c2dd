using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Notifications.Orleans.Api.Authentication;
using Notifications.Orleans.Grains.Interfaces.Merchants;
using Notifications.Orleans.Grains.Webhooks;
using Notifications.Orleans.Runtime;

namespace Notifications.Orleans.Api;

/// <summary>/v1/merchants/{merchantId}/webhook-endpoint: a merchant's endpoint, its secret and rotation.</summary>
public static partial class MerchantsApi
{
    public static RouteGroupBuilder MapMerchantRoutes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/merchants/{merchantId}/webhook-endpoint")
            .RequireAuthorization(ApiKeyAuthenticationHandler.TenantPolicy).WithTags("Merchant webhook endpoints");
        group.MapPut("", Put).WithName("PutWebhookEndpoint").Accepts<WebhookEndpointRequest>("application/json")
            .Produces<WebhookEndpointView>().ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("", Get).WithName("GetWebhookEndpoint").Produces<WebhookEndpointView>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("", Delete).WithName("DeleteWebhookEndpoint").Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("rotate-secret", Rotate).WithName("RotateWebhookSecret").Produces<RotatedSecret>().ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> Put(string merchantId, HttpRequest http, ClaimsPrincipal user, IGrainFactory grains, WebhookTargetGuard guard)
    {
        if (!MerchantIdPattern().IsMatch(merchantId))
        {
            return ApiProblems.Validation("merchantId", "Must be 1 to 100 characters of letters, digits, '.', '_' or '-'.");
        }
        var (request, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.WebhookEndpointRequest);
        if (malformed is not null)
        {
            return malformed;
        }
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request!.Url) || !Uri.TryCreate(request.Url, UriKind.Absolute, out var url))
        {
            errors["url"] = ["Required: an absolute http(s) URL, e.g. https://shop.example/webhooks."];
        }
        else if (request.Url.Length > 2048)
        {
            errors["url"] = ["Must be at most 2048 characters."];
        }
        else if (guard.ValidateUrl(url) is { } refused)
        {
            errors["url"] = [refused];
        }
        if (request.Secret is not null && !WebhookSecret.TryParse(request.Secret, out _, out var secretError))
        {
            errors["secret"] = [secretError];
        }
        if (request.EventTypes is { } types && (types.Count > 100 || types.Any(t => t is null || !EventTypePattern().IsMatch(t))))
        {
            errors["eventTypes"] = ["Up to 100 event types, each 1 to 100 characters of a-z, 0-9, '.', '_' or '-'."];
        }
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }
        return TypedResults.Ok(await Endpoint(grains, user, merchantId).Put(request));
    }

    private static async Task<IResult> Get(string merchantId, ClaimsPrincipal user, IGrainFactory grains) =>
        MerchantIdPattern().IsMatch(merchantId) && await Endpoint(grains, user, merchantId).Get() is { } view
            ? TypedResults.Ok(view)
            : NoEndpoint(merchantId);

    private static async Task<IResult> Delete(string merchantId, ClaimsPrincipal user, IGrainFactory grains) =>
        MerchantIdPattern().IsMatch(merchantId) && await Endpoint(grains, user, merchantId).Delete()
            ? TypedResults.NoContent()
            : NoEndpoint(merchantId);

    private static async Task<IResult> Rotate(string merchantId, ClaimsPrincipal user, IGrainFactory grains) =>
        MerchantIdPattern().IsMatch(merchantId) && await Endpoint(grains, user, merchantId).RotateSecret() is { } rotated
            ? TypedResults.Ok(rotated)
            : NoEndpoint(merchantId);

    private static IMerchantEndpointGrain Endpoint(IGrainFactory grains, ClaimsPrincipal user, string merchantId) =>
        grains.GetGrain<IMerchantEndpointGrain>(MerchantEndpointKey.For(user.TenantId(), merchantId));

    private static IResult NoEndpoint(string merchantId) => ApiProblems.NotFoundProblem($"Merchant '{merchantId}' has no webhook endpoint.");

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex MerchantIdPattern();

    [GeneratedRegex("^[a-z0-9._-]{1,100}$")]
    private static partial Regex EventTypePattern();
}
