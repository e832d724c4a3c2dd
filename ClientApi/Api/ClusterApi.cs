using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Notifications.Orleans.Runtime.Activation;
using Notifications.Orleans.Runtime.Hosting;
using Notifications.Orleans.Runtime.Membership;

namespace Notifications.Orleans.Api;

/// <summary>/v1/admin/cluster: the silos and which one owns each partition, as the answering silo sees them.</summary>
public static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterRoutes(this IEndpointRouteBuilder admin)
    {
        admin.MapGet("cluster", GetCluster).WithName("GetCluster").WithTags("Admin: cluster")
            .WithSummary("Silos (id, address, status, partitions owned, activations) and partition owners; activations are known for the answering silo only.")
            .Produces<ClusterResponse>().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return admin;
    }

    private static async Task<IResult> GetCluster(HttpContext http, CancellationToken cancellationToken)
    {
        var services = http.RequestServices;
        if (services.GetService<IMembershipTable>() is not { } membership || services.GetService<IPartitionLeaseTable>() is not { } leases)
        {
            return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, ApiProblems.Unavailable, "Not in a silo.",
                "This API process does not host a silo, so it has no view of the cluster; ask one that does.");
        }
        var deathTimeout = services.GetRequiredService<IOptions<ClusterOptions>>().Value.SiloDeathTimeout;
        var localSilo = services.GetService<Silo>()?.SiloId;
        var activations = services.GetService<Catalog>()?.Count;
        var owners = (await leases.ReadAllAsync(cancellationToken))
            .OrderBy(l => l.Partition)
            .Select(l => new PartitionOwnerResponse(l.Partition, l.Expired ? null : l.Owner))
            .ToList();
        var silos = (await membership.ReadAllAsync(cancellationToken))
            .OrderBy(s => s.StartedAt)
            .Select(s => new SiloResponse(s.SiloId, s.Address, StatusOf(s, deathTimeout), owners.Count(o => o.Owner == s.SiloId), s.StartedAt, s.HeartbeatAt,
                s.SiloId == localSilo ? activations : null))
            .ToList();
        return TypedResults.Ok(new ClusterResponse(silos, owners));
    }

    private static string StatusOf(SiloRecord silo, TimeSpan deathTimeout) => silo.Status switch
    {
        SiloStatus.Active => silo.IsAlive(deathTimeout) ? "active" : "dead",
        SiloStatus.ShuttingDown => "shutting-down",
        _ => "stopped",
    };
}
