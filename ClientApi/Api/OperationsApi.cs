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
using PaymentNotifications.Runtime;

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
        Reports(http) is { } reports ? TypedResults.Ok(await reports.ReadClusterAsync(Authorization(http), cancellationToken)) : NotHosted();

    private static IResult Silo(HttpContext http) =>
        Reports(http) is { } reports ? TypedResults.Ok(reports.ReadSilo()) : NotHosted();

    private static async Task<IResult> Stats(HttpContext http, CancellationToken cancellationToken) =>
        Reports(http) is { } reports ? TypedResults.Ok(await reports.ReadStatsAsync(Authorization(http), cancellationToken)) : NotHosted();

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
    private static string? Authorization(HttpContext http) => http.Request.Headers.Authorization.ToString() is { Length: > 0 } value ? value : null;

    private static IResult NotHosted() =>
        ApiProblems.Problem(StatusCodes.Status501NotImplemented, ApiProblems.Unavailable, "Not available in this process.",
            "Cluster and traffic figures are served by processes that host the silo runtime.");
}

/// <summary>What the operations routes read; implemented by the silo host.</summary>
public interface IOperationsReports
{
    /// <summary>This process's own figures and recent traffic.</summary>
    SiloReport ReadSilo();

    /// <summary>The cluster as this silo sees it, with each live silo's own figures asked of it.</summary>
    Task<ClusterReport> ReadClusterAsync(string? authorization, CancellationToken cancellationToken);

    /// <summary>Traffic of every live silo summed, queue and reminder backlog, latency percentiles.</summary>
    Task<StatsReport> ReadStatsAsync(string? authorization, CancellationToken cancellationToken);
}

/// <summary>A notification found by an operator, with the tenant it belongs to.</summary>
public sealed record AdminNotification(string TenantId, NotificationView Notification);

/// <summary>One silo's own figures. CPU is a percentage of all the cores the process may use.</summary>
public sealed record SiloReport(
    string Id,
    string Address,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    int PartitionsOwned,
    long Activations,
    IReadOnlyDictionary<string, int> ActivationsByType,
    double? CpuPercent,
    long MemoryBytes,
    long GcHeapBytes,
    int ProcessorCount,
    SiloReminders Reminders,
    TrafficReport Traffic);

/// <summary>A silo's reminder service: ticks fired and failed since start, and how late the most overdue tick was at the last poll.</summary>
public sealed record SiloReminders(long Fired, long Failed, double LagSeconds);

/// <summary>Recent traffic of one silo (or summed over silos): per-interval counts and histograms over the window.</summary>
public sealed record TrafficReport(double IntervalSeconds, double WindowSeconds, IReadOnlyList<TrafficPoint> Points, IReadOnlyList<HistogramView> Histograms);

/// <summary>Counts during the interval ending at <see cref="T"/> (unix seconds).</summary>
public sealed record TrafficPoint(long T, IReadOnlyList<ChannelCount> Accepted, IReadOnlyList<AttemptCount> Attempts, IReadOnlyList<CompletionCount> Completed);

public sealed record ChannelCount(string Channel, double Count);

/// <summary>Attempts by channel, provider and outcome (delivered, retryable, permanent, unknown, deferred, notapplicable).</summary>
public sealed record AttemptCount(string Channel, string Provider, string Outcome, double Count);

public sealed record CompletionCount(string Channel, string State, double Count);

/// <summary>
/// A histogram over the window: <see cref="Counts"/> per bucket (not cumulative), the last for +Inf.
/// Metric is "attemptDuration" (by provider) or "deliveryLatency" (by channel); values in seconds.
/// </summary>
public sealed record HistogramView(string Metric, string? Channel, string? Provider, IReadOnlyList<double> Bounds, IReadOnlyList<long> Counts, double Sum, long Count);

/// <summary>The cluster as the answering silo sees it.</summary>
public sealed record ClusterReport(
    string AnsweredBy,
    int PartitionCount,
    int UnownedPartitions,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<ClusterSilo> Silos,
    IReadOnlyList<PartitionOwnerView> PartitionOwners);

/// <summary>
/// A silo of the membership. Status is active, shutting-down, stopped or dead (active but silent past
/// the death timeout). Load figures are null when the silo could not be asked (not reachable).
/// </summary>
public sealed record ClusterSilo(
    string Id,
    string Address,
    string Status,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    double HeartbeatAgeSeconds,
    int PartitionsOwned,
    long? Activations,
    IReadOnlyDictionary<string, int>? ActivationsByType,
    double? CpuPercent,
    long? MemoryBytes,
    double? ReminderLagSeconds,
    bool Reachable,
    bool Self);

public sealed record PartitionOwnerView(int Partition, string? Owner);

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

/// <summary>Reminders due now across the cluster and how late the oldest is, with ticks fired and failed and the worst silo's lag.</summary>
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
