using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using PaymentNotifications.Silo.Operations;

namespace PaymentNotifications.Silo.Metrics;

/// <summary>
/// GET /metrics: OpenTelemetry's Prometheus exporter over the meters <c>Metrics:Meters</c> names (the product's, Orleans',
/// ASP.NET Core's, Npgsql's, the runtime's), with the backlog read fresh first (at most once per BacklogMaxAge).
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    /// <summary>Adds the OpenTelemetry metrics pipeline: the Prometheus exporter and the dashboard's own reader.</summary>
    public static IServiceCollection AddMetricsExport(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(MetricsOptions.SectionName).Get<MetricsOptions>() ?? new MetricsOptions();
        services.AddSingleton<MetricSnapshots>();
        // Meters are enabled through the host's metrics rules, not the SDK's AddMeter: the rules take only meters this host
        // created (IMeterFactory) or process-wide ones, so two hosts in one process (tests) do not count each other's traffic.
        services.AddMetrics(rules =>
        {
            foreach (var prefix in options.MeterPrefixes)
            {
                rules.EnableMetrics(prefix);
            }
        });
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddView(instrument => Stream(instrument, options.MaxSeriesPerMetric));
            metrics.AddReader(sp => sp.GetRequiredService<MetricSnapshots>());
            metrics.AddPrometheusExporter(o =>
            {
                // Scrapes are answered from a fresh collection: a cached answer would hide what the backlog read just found.
                o.ScrapeResponseCacheDurationMilliseconds = 0;
                // Series keep the labels they always had (no otel_scope_name), so alert rules and dashboards read them as before.
                o.ScopeInfoEnabled = false;
            });
        });
        return services;
    }

    // A view replaces what the instrument advises, so a histogram's advised bucket bounds are carried over.
    private static MetricStreamConfiguration Stream(Instrument instrument, int maxSeries) =>
        instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { } bounds }
            ? new ExplicitBucketHistogramConfiguration { Boundaries = [.. bounds], CardinalityLimit = maxSeries }
            : new MetricStreamConfiguration { CardinalityLimit = maxSeries };

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        if (!endpoints.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value.Enabled)
        {
            return endpoints;
        }
        endpoints.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: pipeline => pipeline.Use(ReadBacklogAsync), optionsName: null)
            .AllowAnonymous();
        return endpoints;
    }

    // SiloMeter (on silos) is taken here so that its instruments exist before the first collection.
    private static async Task ReadBacklogAsync(HttpContext http, RequestDelegate next)
    {
        try
        {
            await http.RequestServices.GetRequiredService<BacklogSnapshot>().ReadAsync(http.RequestAborted);
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            // Storage trouble must not hide the other metrics; the backlog gauges go missing once stale.
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MetricsEndpoint).FullName!)
                .LogWarning(e, "Backlog figures could not be read for /metrics");
        }
        GC.KeepAlive(http.RequestServices.GetService<SiloMeter>());
        await next(http);
    }
}
