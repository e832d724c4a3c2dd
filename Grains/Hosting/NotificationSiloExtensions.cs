using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Notifications.Orleans.Grains.Delivery;
using Notifications.Orleans.Grains.Dispatch;
using Notifications.Orleans.Grains.Interfaces.Merchants;
using Notifications.Orleans.Grains.Interfaces.Notifications;
using Notifications.Orleans.Grains.Interfaces.Tenants;
using Notifications.Orleans.Grains.Merchants;
using Notifications.Orleans.Grains.Notifications;
using Notifications.Orleans.Grains.Storage;
using Notifications.Orleans.Grains.Tenants;
using Notifications.Orleans.Grains.Webhooks;
using Notifications.Orleans.Runtime.Hosting;
using Notifications.Orleans.Runtime.Storage;

namespace Notifications.Orleans.Grains.Hosting;

/// <summary>Registers the notification domain in a silo: grains, storage, channels, reconciliation.</summary>
public static class NotificationSiloExtensions
{
    /// <summary>The keyed grain storage holding notification records.</summary>
    public const string NotificationStorage = "notifications";

    /// <summary>
    /// Adds the domain. Call after choosing storage (UseMemoryStorage/UsePostgres). Options bind from
    /// "Delivery", "Reconciliation" and "Webhooks"; invalid values stop the start with a clear message.
    /// </summary>
    public static SiloBuilder AddNotificationGrains(this SiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.SectionName))
            .Validate(o => o.Validate().Count == 0, "Invalid Delivery options").ValidateOnStart();
        services.AddOptions<ReconciliationOptions>().Bind(configuration.GetSection("Reconciliation"))
            .Validate(o => DurationText.TryParse(o.Interval, out var i) && i > TimeSpan.Zero && DurationText.TryParse(o.StuckAfter, out _),
                "Reconciliation:Interval and Reconciliation:StuckAfter must be durations such as 5m or 30s.").ValidateOnStart();
        services.AddOptions<WebhookEndpointOptions>().Bind(configuration.GetSection(WebhookTargetGuardOptions.SectionName))
            .Validate(o => DurationText.TryParse(o.SecretRotationOverlap, out _) && DurationText.TryParse(o.DisableAfter, out _),
                "Webhooks:SecretRotationOverlap and Webhooks:DisableAfter must be durations such as 24h.").ValidateOnStart();
        services.AddOptions<WebhookTargetGuardOptions>().Bind(configuration.GetSection(WebhookTargetGuardOptions.SectionName));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.BuildRetrySchedules());

        services.AddMetrics();
        services.TryAddSingleton<NotificationMetrics>();
        services.AddSingleton<ChannelDispatcher>();
        services.AddSingleton<IDeliveryChannel, WebhookChannel>();
        services.AddSingleton(sp => new WebhookTargetGuard(sp.GetRequiredService<IOptions<WebhookTargetGuardOptions>>().Value));
        services.AddHttpClient(WebhookChannel.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<WebhookTargetGuard>().CreateHandler());

        silo.AddGrain<INotificationGrain, NotificationGrain>(NotificationStorage);
        silo.AddGrain<IMerchantEndpointGrain, MerchantEndpointGrain>();
        silo.AddJsonContext(DomainJsonContext.Default);

        if (silo.IsDurable)
        {
            silo.AddSchemaMigrations(typeof(NotificationSiloExtensions).Assembly, "notifications", order: 10);
            services.AddSingleton<PostgresNotificationStore>();
            services.AddSingleton<ITenantDirectory, PostgresTenantDirectory>();
            services.AddKeyedSingleton<IGrainStorage>(NotificationStorage, (sp, _) => sp.GetRequiredService<PostgresNotificationStore>());
            services.AddSingleton<INotificationQueries>(sp => sp.GetRequiredService<PostgresNotificationStore>());
        }
        else
        {
            services.AddSingleton<MemoryNotificationStore>();
            services.AddSingleton<ITenantDirectory, MemoryTenantDirectory>();
            services.AddKeyedSingleton<IGrainStorage>(NotificationStorage, (sp, _) => sp.GetRequiredService<MemoryNotificationStore>());
            services.AddSingleton<INotificationQueries>(sp => sp.GetRequiredService<MemoryNotificationStore>());
        }

        services.AddSingleton<ReconciliationService>();
        services.AddHostedService(sp => sp.GetRequiredService<ReconciliationService>());
        return silo;
    }
}
