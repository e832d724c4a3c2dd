using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Interfaces.Tenants;
using Orleans;
using PaymentNotifications.Grains.Interfaces.Operations;

namespace PaymentNotifications.Api;

/// <summary>
/// /v1/admin routes for operators and the dashboard: the cluster, this silo, traffic and queue
/// figures, and finding any notification by id or by (tenant, idempotency key).
/// </summary>
public static class OperationsApi
{
    /// <summary>Adds the JSON contracts of these routes to the API's serializer.</summary>
    public static IServiceCollection AddOperationsApi(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, OperationsJsonContext.Default));

    public static RouteGroupBuilder MapOperationsRoutes(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/admin").RequireAuthorization(ApiKeyAuthenticationHandler.AdminPolicy).WithTags("Operations");
        group.MapGet("cluster", Cluster).WithName("GetCluster").WithSummary("Silos, their load and the partition owners.")
            .Produces<ClusterReport>().ProducesProblem(StatusCodes.Status501NotImplemented);
        group.MapGet("silo", Silo).WithName("GetSilo").WithSummary("The answering silo's own figures, with its recent traffic.")
            .Produces<SiloReport>().ProducesProblem(StatusCodes.Status501NotImplemented);
        group.MapGet("stats", Stats).WithName("GetStats").WithSummary("Traffic, queue depth, latency and reminder figures of the whole cluster.")
            .Produces<StatsReport>().ProducesProblem(StatusCodes.Status501NotImplemented);
        group.MapGet("notifications/{id}", FindById).WithName("FindNotification").WithSummary("Any tenant's notification by id.")
            .Produces<AdminNotification>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("notifications", FindByKey).WithName("FindNotificationByKey")
            .WithSummary("A notification by tenant (id or name) and idempotency key: ?tenant=&idempotencyKey=.")
            .Produces<AdminNotification>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> Cluster(HttpContext http, CancellationToken cancellationToken) =>
        Reports(http) is { } reports ? TypedResults.Ok(await reports.ReadClusterAsync(cancellationToken)) : NotHosted();

    private static async Task<IResult> Silo(HttpContext http, CancellationToken cancellationToken) =>
        Reports(http) is { } reports ? TypedResults.Ok(await reports.ReadSiloAsync(cancellationToken)) : NotHosted();

    private static async Task<IResult> Stats(HttpContext http, CancellationToken cancellationToken) =>
        Reports(http) is { } reports ? TypedResults.Ok(await reports.ReadStatsAsync(cancellationToken)) : NotHosted();

    private static async Task<IResult> FindById(string id, INotificationQueries queries, IGrainFactory grains, HttpContext http)
    {
        var tenantId = NotificationId.IsWellFormed(id) ? await queries.FindTenantAsync(id, http.RequestAborted) : null;
        return await AnswerAsync(id, tenantId, grains);
    }

    private static async Task<IResult> FindByKey(HttpContext http, ITenantDirectory tenants, IGrainFactory grains)
    {
        var tenant = http.Request.Query["tenant"].ToString();
        var key = http.Request.Query["idempotencyKey"].ToString();
        var errors = new Dictionary<string, string[]>();
        if (tenant.Length == 0)
        {
            errors["tenant"] = ["Required: the tenant's id or name."];
        }
        if (key.Length is 0 or > 200)
        {
            errors["idempotencyKey"] = ["Required: 1 to 200 characters."];
        }
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }
        var tenantId = (await tenants.GetTenantAsync(tenant, http.RequestAborted))?.Id
            ?? (await tenants.ListTenantsAsync(http.RequestAborted)).FirstOrDefault(t => t.Name == tenant)?.Id;
        if (tenantId is null)
        {
            return ApiProblems.NotFoundProblem($"No tenant with id or name '{tenant}'.");
        }
        return await AnswerAsync(NotificationId.For(tenantId, key), tenantId, grains);
    }

    private static async Task<IResult> AnswerAsync(string id, string? tenantId, IGrainFactory grains)
    {
        var view = tenantId is null ? null : await grains.GetGrain<INotificationGrain>(id).Get(tenantId);
        return view is null
            ? ApiProblems.NotFoundProblem($"No notification '{id}' exists.")
            : TypedResults.Ok(new AdminNotification(tenantId!, view));
    }

    private static IOperationsReports? Reports(HttpContext http) => http.RequestServices.GetService<IOperationsReports>();

    // Passed on to the other silos of the cluster, which check it as this silo did.
    private static IResult NotHosted() =>
        ApiProblems.Problem(StatusCodes.Status501NotImplemented, ApiProblems.Unavailable, "Not available in this process.",
            "Cluster and traffic figures are served by processes that host the silo runtime.");
}

/// <summary>What the operations routes read; implemented by the silo host.</summary>
public interface IOperationsReports
{
    /// <summary>This process's own figures and recent traffic.</summary>
    Task<SiloReport> ReadSiloAsync(CancellationToken cancellationToken);

    /// <summary>The cluster's silos from Orleans' membership, with each live silo's latest published figures.</summary>
    Task<ClusterReport> ReadClusterAsync(CancellationToken cancellationToken);

    /// <summary>Traffic of every live silo summed, queue and attempt backlog, latency percentiles.</summary>
    Task<StatsReport> ReadStatsAsync(CancellationToken cancellationToken);
}

/// <summary>A notification found by an operator, with the tenant it belongs to.</summary>
public sealed record AdminNotification(string TenantId, NotificationView Notification);

/// <summary>The cluster as the answering process sees it, from Orleans' membership.</summary>
public sealed record ClusterReport(
    string AnsweredBy,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<ClusterSilo> Silos);

/// <summary>
/// A silo of Orleans' membership. Status is joining, active, shutting-down, stopping or dead. Load figures are
/// null when the silo has published none recently (it is not reachable).
/// </summary>
public sealed record ClusterSilo(
    string Id,
    string Address,
    string Status,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    double HeartbeatAgeSeconds,
    long? Activations,
    IReadOnlyDictionary<string, int>? ActivationsByType,
    double? CpuPercent,
    long? MemoryBytes,
    double? ReminderLagSeconds,
    bool Reachable,
    bool Self);

/// <summary>The dashboard's traffic, queue, latency and reminder figures for the whole cluster.</summary>
public sealed record StatsReport(
    DateTimeOffset GeneratedAt,
    double IntervalSeconds,
    double WindowSeconds,
    QueueFigures Queue,
    ClusterReminders Reminders,
    IReadOnlyList<TrafficPoint> Traffic,
    LatencyFigures Latency,
    IReadOnlyList<ProviderTraffic> Providers,
    IReadOnlyList<string> SilosReporting,
    IReadOnlyList<string> SilosUnreachable);

/// <summary>Stored notifications by state; PENDING ones whose next attempt is already due (overdue); the oldest PENDING one's age.</summary>
public sealed record QueueFigures(IReadOnlyDictionary<string, long> ByState, long Pending, long Overdue, DateTimeOffset? OldestPendingCreatedAt, double? OldestPendingAgeSeconds);

/// <summary>
/// Attempts due now across the cluster (PENDING notifications past their next attempt) and how late the oldest is, with the
/// attempts the silos' timers started and those that failed unexpectedly, and the latest lateness of the worst silo.
/// </summary>
public sealed record ClusterReminders(long Due, DateTimeOffset? OldestDueAt, double LagSeconds, long Fired, long Failed, double MaxSiloLagSeconds);

/// <summary>
/// Latency over the window, in seconds. FirstAttempt: from acceptance (or sendAt) to the first attempt,
/// from a sample of recent notifications. EndToEnd: acceptance to SUCCESS, deferred and throttled ones included.
/// </summary>
public sealed record LatencyFigures(LatencyPercentiles FirstAttempt, LatencyPercentiles EndToEnd, double? DeliveredWithin30sRatio, HistogramView? EndToEndHistogram);

public sealed record LatencyPercentiles(long Count, double? P50, double? P90, double? P99);

/// <summary>A provider's attempts over the window, from the silos' own metrics (no breaker state: that is GET /v1/admin/providers).</summary>
public sealed record ProviderTraffic(string Provider, string Channel, long Attempts, long Delivered, long Failed, double? SuccessRate, double? LatencyP50Ms, double? LatencyP95Ms);

/// <summary>Source-generated JSON for the operations routes.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ClusterReport))]
[JsonSerializable(typeof(SiloReport))]
[JsonSerializable(typeof(StatsReport))]
[JsonSerializable(typeof(AdminNotification))]
public sealed partial class OperationsJsonContext : JsonSerializerContext;
