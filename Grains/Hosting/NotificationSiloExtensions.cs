using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Dispatch;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Merchants;
using PaymentNotifications.Grains.Interfaces.Providers;
using PaymentNotifications.Grains.Interfaces.Templates;
using PaymentNotifications.Grains.Interfaces.Users;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Interfaces.Tenants;
using PaymentNotifications.Grains.Merchants;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Grains.Providers;
using PaymentNotifications.Grains.Templates;
using PaymentNotifications.Grains.Users;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Grains.Tenants;
using PaymentNotifications.Grains.Webhooks;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Storage;

namespace PaymentNotifications.Grains.Hosting;

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
        AddProviderChannels(services, configuration);
        AddUsersAndTemplates(services, configuration);
        services.AddSingleton(sp => new WebhookTargetGuard(sp.GetRequiredService<IOptions<WebhookTargetGuardOptions>>().Value));
        services.AddHttpClient(WebhookChannel.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<WebhookTargetGuard>().CreateHandler());

        silo.AddGrain<INotificationGrain, NotificationGrain>(NotificationStorage);
        silo.AddGrain<IMerchantEndpointGrain, MerchantEndpointGrain>();
        silo.AddGrain<IProviderGrain, ProviderGrain>();
        silo.AddGrain<IUserGrain, UserGrain>();
        silo.AddGrain<ITemplateGrain, TemplateGrain>();
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

        services.AddSingleton<ProviderCircuitReporter>();
        services.AddHostedService(sp => sp.GetRequiredService<ProviderCircuitReporter>());
        services.AddSingleton<ReconciliationService>();
        services.AddHostedService(sp => sp.GetRequiredService<ReconciliationService>());
        return silo;
    }

    // SMS, email and push: the configured adapters (Providers:*), in the order Channels:* gives, behind shared circuits.
    private static void AddProviderChannels(IServiceCollection services, IConfiguration configuration)
    {
        services.AddProviderAdapters(configuration);
        services.AddOptions<BreakerOptions>().Bind(configuration.GetSection("Breakers"))
            .Validate(o => o.Validate().Count == 0, "Invalid Breakers options").ValidateOnStart();
        services.AddOptions<ChannelRoutingOptions>().Bind(configuration.GetSection("Channels"))
            .Validate(o => o.Validate().Count == 0, "Invalid Channels options: Channels:Fallback:{type} must name webhook, sms, email or push").ValidateOnStart();
        services.AddSingleton<ProviderCircuits>();
        foreach (var channel in (Channel[])[Channel.Sms, Channel.Email, Channel.Push])
        {
            services.AddSingleton<IDeliveryChannel>(sp =>
            {
                var routing = sp.GetRequiredService<IOptions<ChannelRoutingOptions>>().Value;
                var order = ChannelRoutingOptions.Split(channel switch { Channel.Sms => routing.Sms, Channel.Email => routing.Email, _ => routing.Push });
                var adapters = order.Select(name => sp.GetKeyedService<IProviderAdapter>(name)).OfType<IProviderAdapter>().ToList();
                return new ProviderChannel(channel, adapters, sp.GetRequiredService<ProviderCircuits>(), sp.GetRequiredService<Runtime.IGrainFactory>(),
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ProviderChannel>>());
            });
        }
    }

    private static void AddUsersAndTemplates(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName))
            .Validate(o => o.Validate().Count == 0, "Invalid RateLimits options").ValidateOnStart();
        services.AddOptions<OverLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RateLimitOptions>>().Value.BuildPolicy());
        services.AddSingleton<TemplateRenderer>();
    }
}
