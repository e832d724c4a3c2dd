using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Api;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>One route of the running app: a method and its pattern, e.g. POST /v1/notifications/{id}/cancel.</summary>
internal sealed record AppRoute(string Method, RoutePattern Pattern, bool TakesBody, IReadOnlyList<string> Policies, bool Anonymous, bool Described)
{
    /// <summary>Requires a tenant key: the tenant's own data.</summary>
    public bool IsTenant => Policies.Contains(ApiKeyAuthenticationHandler.TenantPolicy);

    /// <summary>Requires the admin key.</summary>
    public bool IsAdmin => Policies.Contains(ApiKeyAuthenticationHandler.AdminPolicy);

    /// <summary>The template as OpenAPI writes it: parameters without constraints, e.g. /v1/notifications/{id}.</summary>
    public string Template => "/" + string.Join('/', Pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
        RoutePatternSeparatorPart separator => separator.Content,
        _ => "",
    }))));

    public bool HasParameters => Pattern.Parameters.Count > 0;

    /// <summary>The path with each parameter replaced by the value <paramref name="valueOf"/> gives for its name.</summary>
    public string Path(Func<string, string> valueOf) => "/" + string.Join('/', Pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternParameterPart parameter => Uri.EscapeDataString(valueOf(parameter.Name)),
        RoutePatternSeparatorPart separator => separator.Content,
        _ => "",
    }))));

    public override string ToString() => $"{Method} {Template}";

    /// <summary>Every route the app serves, read from its endpoint data source, so routes added later are included.</summary>
    public static IReadOnlyList<AppRoute> All(SiloApp app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => new AppRoute(method, endpoint.RoutePattern, endpoint.Metadata.GetMetadata<JsonRequestBodyMetadata>() is not null,
                    endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToList(),
                    endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null,
                    endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })))
            .DistinctBy(r => r.ToString())
            .ToList();
}
