using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PaymentNotifications.Runtime.Calls;

namespace PaymentNotifications.Runtime.Hosting;

/// <summary>Maps the silo's internal endpoint into an ASP.NET Core app.</summary>
public static class SiloEndpointExtensions
{
    /// <summary>
    /// Maps <see cref="SiloInternalEndpoint.InvokePath"/>, where other silos and clients send grain calls.
    /// It admits only holders of the cluster secret, whatever authorization the app's other endpoints use.
    /// </summary>
    public static IEndpointConventionBuilder MapSiloInternalEndpoint(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(SiloInternalEndpoint.InvokePath, SiloInternalEndpoint.HandleAsync)
            .AllowAnonymous()
            .ExcludeFromDescription()
            .WithDisplayName("Silo-to-silo grain calls");
}
