using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Notifications.Orleans.Api;
using Notifications.Orleans.Tests.Infrastructure;

namespace Notifications.Orleans.Tests.ClientApi.Api;

/// <summary>One route of the running app: a method and its pattern, e.g. POST /v1/notifications/{id}/cancel.</summary>
internal sealed record AppRoute(string Method, RoutePattern Pattern, bool TakesBody)
{
    /// <summary>The template as OpenAPI writes it: parameters without constraints, e.g. /v1/notifications/{id}.</summary>
    public string Template => "/" + string.Join('/', Pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
        RoutePatternSeparatorPart separator => separator.Content,
        _ => "",
    }))));

    public bool HasParameters => Pattern.Parameters.Count > 0;

    public bool IsAdmin => Template.StartsWith("/v1/admin/", StringComparison.Ordinal) || Template == "/v1/admin";

    public bool IsTenant => Template.StartsWith("/v1/", StringComparison.Ordinal) && !IsAdmin;

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
                .Select(method => new AppRoute(method, endpoint.RoutePattern, endpoint.Metadata.GetMetadata<JsonRequestBodyMetadata>() is not null)))
            .DistinctBy(r => r.ToString())
            .ToList();
}
