using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Notifications.Orleans.Api.Authentication;
using Notifications.Orleans.Grains.Interfaces.Contracts;
using Notifications.Orleans.Grains.Interfaces.Users;
using Notifications.Orleans.Grains.Users;
using Notifications.Orleans.Runtime;

namespace Notifications.Orleans.Api;

/// <summary>/v1/users/{userId}/preferences: channel and type opt-outs and quiet hours.</summary>
public static partial class UsersApi
{
    public static RouteGroupBuilder MapUserRoutes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/users/{userId}/preferences").RequireAuthorization(ApiKeyAuthenticationHandler.TenantPolicy).WithTags("Users");
        group.MapPut("", Put).WithName("PutUserPreferences").Accepts<UserPreferencesView>("application/json")
            .Produces<UserPreferencesView>().ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("", Get).WithName("GetUserPreferences").Produces<UserPreferencesView>();
        return group;
    }

    private static async Task<IResult> Put(string userId, HttpRequest http, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!UserIdPattern().IsMatch(userId))
        {
            return ApiProblems.Validation("userId", "Must be 1 to 200 characters of letters, digits, '.', '_', '-', '@' or '+'.");
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
        UserIdPattern().IsMatch(userId)
            ? TypedResults.Ok(await grains.GetGrain<IUserGrain>(UserKey.For(user.TenantId(), userId)).GetPreferences())
            : ApiProblems.NotFoundProblem($"No user '{userId}'.");

    private static Dictionary<string, string[]> Validate(UserPreferencesView preferences)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var name in (preferences.Channels ?? []).Keys.Where(name => !IsUserChannel(name)))
        {
            errors[$"channels.{name}"] = ["Must be sms, email or push."];
        }
        foreach (var (type, channels) in preferences.Types ?? [])
        {
            if (!TypePattern().IsMatch(type))
            {
                errors[$"types.{type}"] = ["Type names are 1 to 100 characters of a-z, 0-9, '.', '_' or '-'."];
            }
            foreach (var name in (channels ?? []).Keys.Where(name => !IsUserChannel(name)))
            {
                errors[$"types.{type}.{name}"] = ["Must be sms, email or push."];
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

    [GeneratedRegex(@"^[A-Za-z0-9._@+-]{1,200}$")]
    private static partial Regex UserIdPattern();

    [GeneratedRegex("^[a-z0-9._-]{1,100}$")]
    private static partial Regex TypePattern();
}
