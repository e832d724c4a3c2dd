using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Notifications.Orleans.Api.Authentication;
using Notifications.Orleans.Grains.Interfaces.Contracts;
using Notifications.Orleans.Grains.Interfaces.Templates;
using Notifications.Orleans.Runtime;

namespace Notifications.Orleans.Api;

/// <summary>Body of a template preview: the data to render with.</summary>
public sealed record TemplatePreviewRequest(JsonElement? Data, string? Locale);

/// <summary>/v1/templates/{name}: Handlebars templates per channel and locale, validated when saved, previewable.</summary>
public static partial class TemplatesApi
{
    public static RouteGroupBuilder MapTemplateRoutes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/templates/{name}").RequireAuthorization(ApiKeyAuthenticationHandler.TenantPolicy).WithTags("Templates");
        group.MapGet("", Get).WithName("GetTemplate").Produces<IReadOnlyList<TemplateVariant>>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("{channel}/{locale}", Put).WithName("PutTemplate").WithSummary("Save a variant; syntax errors and unused or missing parts are 400.")
            .Accepts<TemplateContent>("application/json").Produces<TemplateVariant>().ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapDelete("{channel}/{locale}", Delete).WithName("DeleteTemplate").Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("{channel}/preview", Preview).WithName("PreviewTemplate")
            .WithSummary("Render with sample data: HTML email, SMS text with its segment count and encoding (GSM-7 or UCS-2).")
            .Accepts<TemplatePreviewRequest>("application/json").Produces<RenderedMessage>().ProducesProblem(StatusCodes.Status400BadRequest);
        return group;
    }

    private static async Task<IResult> Put(string name, string channel, string locale, HttpRequest http, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (Check(name, channel, locale) is { } invalid)
        {
            return invalid;
        }
        var (content, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.TemplateContent);
        if (malformed is not null)
        {
            return malformed;
        }
        WireNames.TryParseChannel(channel, out var parsed);
        var errors = await Template(grains, user, name).Put(parsed, locale, content!);
        if (errors is not null)
        {
            return ApiProblems.Validation(errors.ToDictionary(e => e.Key, e => e.Value));
        }
        var variants = await Template(grains, user, name).Get();
        return TypedResults.Ok(variants.Single(v => v.Channel == parsed && v.Locale == locale));
    }

    private static async Task<IResult> Get(string name, ClaimsPrincipal user, IGrainFactory grains)
    {
        var variants = NamePattern().IsMatch(name) ? await Template(grains, user, name).Get() : [];
        return variants.Count == 0 ? ApiProblems.NotFoundProblem($"No template '{name}'.") : TypedResults.Ok(variants);
    }

    private static async Task<IResult> Delete(string name, string channel, string locale, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (Check(name, channel, locale) is null && WireNames.TryParseChannel(channel, out var parsed) && await Template(grains, user, name).Delete(parsed, locale))
        {
            return TypedResults.NoContent();
        }
        return ApiProblems.NotFoundProblem($"No {channel}/{locale} variant of template '{name}'.");
    }

    private static async Task<IResult> Preview(string name, string channel, HttpRequest http, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (Check(name, channel, "en") is { } invalid)
        {
            return invalid;
        }
        var (request, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.TemplatePreviewRequest);
        if (malformed is not null)
        {
            return malformed;
        }
        WireNames.TryParseChannel(channel, out var parsed);
        var result = await Template(grains, user, name).Render(parsed, request!.Locale, request.Data);
        return result.Rendered is { } rendered ? TypedResults.Ok(rendered) : ApiProblems.Validation(result.Errors!.ToDictionary(e => e.Key, e => e.Value));
    }

    private static IResult? Check(string name, string channel, string locale)
    {
        var errors = new Dictionary<string, string[]>();
        if (!NamePattern().IsMatch(name))
        {
            errors["name"] = ["Must be 1 to 100 characters of a-z, 0-9, '.', '_' or '-'."];
        }
        if (!WireNames.TryParseChannel(channel, out var parsed) || parsed == Channel.Webhook)
        {
            errors["channel"] = ["Must be sms, email or push (webhooks send data as is)."];
        }
        if (!LocalePattern().IsMatch(locale))
        {
            errors["locale"] = ["Must be a language tag such as en, pt or pt-BR."];
        }
        return errors.Count > 0 ? ApiProblems.Validation(errors) : null;
    }

    private static ITemplateGrain Template(IGrainFactory grains, ClaimsPrincipal user, string name) =>
        grains.GetGrain<ITemplateGrain>(TemplateKey.For(user.TenantId(), name));

    [GeneratedRegex("^[a-z0-9._-]{1,100}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    private static partial Regex LocalePattern();
}
