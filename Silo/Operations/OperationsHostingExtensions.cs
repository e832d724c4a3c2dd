using Microsoft.Extensions.DependencyInjection.Extensions;
using PaymentNotifications.Api;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Silo.Dashboard;
using PaymentNotifications.Silo.Metrics;
using PaymentNotifications.Grains.Hosting;

namespace PaymentNotifications.Silo.Operations;

/// <summary>Wires the operators' side into the silo: metrics, traffic sampling, the figures behind the admin routes, traces, the dashboard.</summary>
public static class OperationsHostingExtensions
{
    /// <summary>Options bind from "Metrics", "Operations" and "Telemetry"; invalid values stop the start.</summary>
    public static IServiceCollection AddSiloOperations(this IServiceCollection services, IConfiguration configuration, bool hostsSilo)
    {
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.SectionName)).ValidateThrowing(o => o.Validate());
        services.AddOptions<OperationsOptions>().Bind(configuration.GetSection(OperationsOptions.SectionName)).ValidateThrowing(o => o.Validate());
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.SectionName)).ValidateThrowing(o => o.Validate());
        services.AddMetrics();
        services.AddMetricsExport(configuration);
        services.AddSingleton<SiloIdentity>();
        // A facade alone counts no attempts, but reports the same figures (zero).
        services.TryAddSingleton<NotificationMetrics>();
        if (hostsSilo)
        {
            services.AddSingleton<SiloMeter>();
            services.AddHostedService<SiloReportPublisher>();
        }
        services.AddSingleton<ProcessUsage>();
        services.AddSingleton<BacklogSnapshot>();
        services.AddSingleton<TrafficRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<TrafficRecorder>());
        services.AddSingleton<IOperationsReports, OperationsReports>();
        services.AddHostedService<TraceExport>();
        if (!string.IsNullOrEmpty(configuration[$"{TelemetryOptions.SectionName}:{nameof(TelemetryOptions.OtlpEndpoint)}"]))
        {
            services.AddSingleton<DeliveryTraceLinks>();
            services.AddTransient<DeliveryTraceHandler>();
            services.ConfigureHttpClientDefaults(client => client.AddHttpMessageHandler<DeliveryTraceHandler>());
        }
        return services;
    }

    public static WebApplication MapSiloOperations(this WebApplication app)
    {
        if (app.Services.GetService<DeliveryTraceLinks>() is { } links)
        {
            app.Use(links.RememberSubmitsAsync);
        }
        app.MapMetrics();
        app.MapDashboard();
        return app;
    }
}
