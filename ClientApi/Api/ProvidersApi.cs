using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Grains.Interfaces.Providers;
using PaymentNotifications.Grains.Providers;
using Orleans;

namespace PaymentNotifications.Api;

/// <summary>Body of POST /v1/admin/providers/{name}/circuit; the mode stays text so an unknown one is a field error.</summary>
public sealed record CircuitModeRequest(string? Mode);

/// <summary>Providers' circuits and health, in the shape GET /v1/admin/providers answers.</summary>
public sealed record ProvidersResponse(IReadOnlyList<ProviderStatusView> Providers);

/// <summary>/v1/admin/providers: each provider's circuit, success rate and latency; operators can force circuits.</summary>
public static class ProvidersApi
{
    public static RouteGroupBuilder MapProviderRoutes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/admin/providers").RequireAuthorization(ApiKeyAuthenticationHandler.AdminPolicy).WithTags("Admin");
        group.MapGet("", List).WithName("ListProviders").WithSummary("Each provider's circuit state, mode, recent success rate and latency.")
            .Produces<ProvidersResponse>();
        group.MapPost("{name}/circuit", SetMode).WithName("SetCircuitMode")
            .WithSummary("Drive a provider's circuit: auto, forced-open (never called) or forced-closed (always called).")
            .TakesJson<CircuitModeRequest>()
            .Produces<ProviderStatusView>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> List(ProviderCircuits circuits, IGrainFactory grains)
    {
        var names = circuits.Providers.Order(StringComparer.Ordinal).ToList();
        var views = await Task.WhenAll(names.Select(n => grains.GetGrain<IProviderGrain>(n).GetStatus()));
        return TypedResults.Ok(new ProvidersResponse(views));
    }

    private static async Task<IResult> SetMode(string name, HttpRequest http, ProviderCircuits circuits, IGrainFactory grains)
    {
        if (!circuits.Providers.Contains(name, StringComparer.Ordinal))
        {
            return ApiProblems.NotFoundProblem($"No provider '{TenantsApi.Shorten(name)}' is configured; known: {string.Join(", ", circuits.Providers.Order(StringComparer.Ordinal))}.");
        }
        var (request, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.CircuitModeRequest);
        if (malformed is not null)
        {
            return malformed;
        }
        CircuitMode? mode = request!.Mode switch
        {
            "auto" => CircuitMode.Auto,
            "forced-open" => CircuitMode.ForcedOpen,
            "forced-closed" => CircuitMode.ForcedClosed,
            _ => null,
        };
        if (mode is null)
        {
            return ApiProblems.Validation("mode", "Required: auto, forced-open or forced-closed.");
        }
        var provider = grains.GetGrain<IProviderGrain>(name);
        var status = await provider.SetMode(mode.Value);
        // In force on this process before the answer; the other silos take it with their next report.
        circuits.Apply(name, await provider.GetCircuit());
        return TypedResults.Ok(status);
    }
}
