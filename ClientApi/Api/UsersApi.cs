using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Api.Validation;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Tenants;
using PaymentNotifications.Grains.Interfaces.Users;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Users;
using Orleans;

namespace PaymentNotifications.Api;

/// <summary>/v1/users: the users with stored preferences; /v1/users/{userId}/preferences: channel and type opt-outs and quiet hours.</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUserRoutes(this IEndpointRouteBuilder routes)
    {
        var users = routes.MapGroup("/v1/users").RequireAuthorization(ApiKeyAuthenticationHandler.TenantPolicy).WithTags("Users");
        users.MapGet("", List).WithName("ListUsers").WithSummary("List the tenant's users that have stored preferences, by id, with cursor paging.")
            .Produces<UserListResponse>().ProducesProblem(StatusCodes.Status400BadRequest);
        var group = users.MapGroup("{userId}/preferences");
        group.MapPut("", Put).WithName("PutUserPreferences")
            .WithSummary("Store a user's channel switches, per-type switches and quiet hours (HH:mm in an IANA time zone).")
            .TakesJson<UserPreferencesView>().Produces<UserPreferencesView>().ProducesProblem(StatusCodes.Status400BadRequest).RefusesOverQuota();
        group.MapGet("", Get).WithName("GetUserPreferences").WithSummary("Read a user's preferences; a user never seen reads as the defaults.")
            .Produces<UserPreferencesView>().ProducesProblem(StatusCodes.Status404NotFound);
        return users;
    }

    private static Task<IResult> List(HttpContext http, ClaimsPrincipal user, IStoredItemIndex index, IOptions<ApiOptions> options) =>
        StoredItemLists.ListAsync(http, user, index, options.Value.MaxPageSize, StoredKind.Users,
            (ids, next) => new UserListResponse(ids.Select(id => new UserListItem(id)).ToList(), next));

    private static async Task<IResult> Put(string userId, HttpRequest http, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (FieldRules.UserId(userId) is { } userError)
        {
            return ApiProblems.Validation("userId", userError);
        }
        var (preferences, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.UserPreferencesView);
        if (malformed is not null)
        {
            return malformed;
        }
        var errors = Validate(preferences!);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }
        return TypedResults.Ok(await grains.GetGrain<IUserGrain>(UserKey.For(user.TenantId(), userId)).SetPreferences(preferences!));
    }

    private static async Task<IResult> Get(string userId, ClaimsPrincipal user, IGrainFactory grains) =>
        FieldRules.UserId(userId) is null
            ? TypedResults.Ok(await grains.GetGrain<IUserGrain>(UserKey.For(user.TenantId(), userId)).GetPreferences())
            : ApiProblems.NotFoundProblem($"No user '{TenantsApi.Shorten(userId)}'.");

    private static Dictionary<string, string[]> Validate(UserPreferencesView preferences)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var name in (preferences.Channels ?? []).Keys.Where(name => !IsUserChannel(name)))
        {
            errors[$"channels.{TenantsApi.Shorten(name)}"] = ["Must be sms, email or push."];
        }
        foreach (var (type, channels) in preferences.Types ?? [])
        {
            if (FieldRules.NotificationType(type) is { } typeError)
            {
                errors[$"types.{TenantsApi.Shorten(type)}"] = [typeError];
            }
            foreach (var name in (channels ?? []).Keys.Where(name => !IsUserChannel(name)))
            {
                errors[$"types.{TenantsApi.Shorten(type)}.{TenantsApi.Shorten(name)}"] = ["Must be sms, email or push."];
            }
        }
        if (preferences.QuietHours is { } quiet)
        {
            foreach (var (field, messages) in QuietHours.Validate(quiet.Start, quiet.End, quiet.TimeZone))
            {
                errors[$"quietHours.{field}"] = messages;
            }
        }
        return errors;
    }

    private static bool IsUserChannel(string name) => WireNames.TryParseChannel(name, out var channel) && channel != Channel.Webhook;
}
