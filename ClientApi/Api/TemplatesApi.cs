using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Api.Validation;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Templates;
using PaymentNotifications.Grains.Interfaces.Tenants;
using Microsoft.Extensions.Options;
using Orleans;

namespace PaymentNotifications.Api;

/// <summary>Body of a template preview: the data to render with.</summary>
public sealed record TemplatePreviewRequest(JsonElement? Data, string? Locale);

/// <summary>/v1/templates: the tenant's templates by name; /v1/templates/{name}: Handlebars templates per channel and locale, validated when saved, previewable.</summary>
public static class TemplatesApi
{
    public static RouteGroupBuilder MapTemplateRoutes(this IEndpointRouteBuilder routes)
    {
        var templates = routes.MapGroup("/v1/templates").RequireAuthorization(ApiKeyAuthenticationHandler.TenantPolicy).WithTags("Templates");
        templates.MapGet("", List).WithName("ListTemplates").WithSummary("List the tenant's templates by name, with cursor paging.")
            .Produces<TemplateListResponse>().ProducesProblem(StatusCodes.Status400BadRequest);
        var group = templates.MapGroup("{name}");
        group.MapGet("", Get).WithName("GetTemplate").WithSummary("Read every variant of a template (channel and locale).")
            .Produces<IReadOnlyList<TemplateVariant>>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("{channel}/{locale}", Put).WithName("PutTemplate").WithSummary("Save a variant; syntax errors and unused or missing parts are 400.")
            .TakesJson<TemplateContent>().Produces<TemplateVariant>().ProducesProblem(StatusCodes.Status400BadRequest).RefusesOverQuota();
        group.MapDelete("{channel}/{locale}", Delete).WithName("DeleteTemplate").WithSummary("Remove one variant of a template.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("{channel}/preview", Preview).WithName("PreviewTemplate")
            .WithSummary("Render with sample data: HTML email, SMS text with its segment count and encoding (GSM-7 or UCS-2).")
            .TakesJson<TemplatePreviewRequest>().Produces<RenderedMessage>().ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return templates;
    }

    private static Task<IResult> List(HttpContext http, ClaimsPrincipal user, IStoredItemIndex index, IOptions<ApiOptions> options) =>
        StoredItemLists.ListAsync(http, user, index, options.Value.MaxPageSize, StoredKind.Templates,
            (names, next) => new TemplateListResponse(names.Select(name => new TemplateListItem(name)).ToList(), next));

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
        var variants = FieldRules.NotificationType(name) is null ? await Template(grains, user, name).Get() : [];
        return variants.Count == 0 ? NoTemplate(name) : TypedResults.Ok(variants);
    }

    private static async Task<IResult> Delete(string name, string channel, string locale, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (Check(name, channel, locale) is null && WireNames.TryParseChannel(channel, out var parsed) && await Template(grains, user, name).Delete(parsed, locale))
        {
            return TypedResults.NoContent();
        }
        return ApiProblems.NotFoundProblem($"No {TenantsApi.Shorten(channel)}/{TenantsApi.Shorten(locale)} variant of template '{TenantsApi.Shorten(name)}'.");
    }

    private static IResult NoTemplate(string name) => ApiProblems.NotFoundProblem($"No template '{TenantsApi.Shorten(name)}'.");

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
        if (request!.Locale is not null && FieldRules.Locale(request.Locale) is { } localeError)
        {
            return ApiProblems.Validation("locale", localeError);
        }
        if ((await Template(grains, user, name).Get()).Count == 0)
        {
            return NoTemplate(name);
        }
        WireNames.TryParseChannel(channel, out var parsed);
        var result = await Template(grains, user, name).Render(parsed, request!.Locale, request.Data);
        return result.Rendered is { } rendered ? TypedResults.Ok(rendered) : ApiProblems.Validation(result.Errors!.ToDictionary(e => e.Key, e => e.Value));
    }

    private static IResult? Check(string name, string channel, string locale)
    {
        var errors = new Dictionary<string, string[]>();
        if (FieldRules.NotificationType(name) is { } nameError)
        {
            errors["name"] = [nameError];
        }
        if (!WireNames.TryParseChannel(channel, out var parsed) || parsed == Channel.Webhook)
        {
            errors["channel"] = ["Must be sms, email or push (webhooks send data as is)."];
        }
        if (FieldRules.Locale(locale) is { } localeError)
        {
            errors["locale"] = [localeError];
        }
        return errors.Count > 0 ? ApiProblems.Validation(errors) : null;
    }

    private static ITemplateGrain Template(IGrainFactory grains, ClaimsPrincipal user, string name) =>
        grains.GetGrain<ITemplateGrain>(TemplateKey.For(user.TenantId(), name));
}
