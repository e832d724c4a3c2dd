using Microsoft.Extensions.Options;
using PaymentNotifications.Silo.Operations;

namespace PaymentNotifications.Silo.Metrics;

/// <summary>GET /metrics: every exported meter in the Prometheus text format, with the backlog read fresh (at most once per BacklogMaxAge).</summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        if (!endpoints.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value.Enabled)
        {
            return endpoints;
        }
        endpoints.MapGet(Path, ScrapeAsync).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    // SiloMeter (on silos) is taken here so that its instruments exist before the first collection.
    private static async Task<IResult> ScrapeAsync(HttpContext http, PrometheusExporter exporter, BacklogSnapshot backlog, ILoggerFactory loggers)
    {
        try
        {
            await backlog.ReadAsync(http.RequestAborted);
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            // Storage trouble must not hide the other metrics; the backlog gauges go missing once stale.
            loggers.CreateLogger(typeof(MetricsEndpoint).FullName!).LogWarning(e, "Backlog figures could not be read for /metrics");
        }
        GC.KeepAlive(http.RequestServices.GetService<SiloMeter>());
        return Results.Text(PrometheusText.Write(exporter.Collect()), PrometheusText.ContentType);
    }
}
