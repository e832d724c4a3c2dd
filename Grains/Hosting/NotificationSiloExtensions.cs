using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Dispatch;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Interfaces.Tenants;
using PaymentNotifications.Grains.Merchants;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Grains.Providers;
using PaymentNotifications.Grains.Scheduling;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Grains.Templates;
using PaymentNotifications.Grains.Tenants;
using PaymentNotifications.Grains.Users;
using PaymentNotifications.Grains.Webhooks;

namespace PaymentNotifications.Grains.Hosting;

/// <summary>Registers the notification domain: its stores, and in a silo its grains' services and storage providers.</summary>
public static class NotificationSiloExtensions
{
    /// <summary>
    /// The stores the HTTP API reads beside the grains (notification queries, tenants and keys, the index of what tenants
    /// store): PostgreSQL through <paramref name="dataSource"/>, or process memory when it is null. A silo and a facade
    /// running alone both call it.
    /// </summary>
    public static IServiceCollection AddNotificationStores(this IServiceCollection services, NpgsqlDataSource? dataSource)
    {
        services.TryAddSingleton(TimeProvider.System);
        if (dataSource is not null)
        {
            services.AddSingleton(_ => dataSource);
            services.AddSingleton<SchemaMigrator>();
            services.AddSingleton<PostgresWriteBatcher>();
            services.AddSingleton<PostgresNotificationStore>();
            services.AddSingleton<INotificationQueries>(sp => sp.GetRequiredService<PostgresNotificationStore>());
            services.AddSingleton<ITenantDirectory, PostgresTenantDirectory>();
            services.AddSingleton<IStoredItemIndex, PostgresStoredItemIndex>();
        }
        else
        {
            services.AddSingleton<MemoryNotificationStore>();
            services.AddSingleton<INotificationQueries>(sp => sp.GetRequiredService<MemoryNotificationStore>());
            services.AddSingleton<ITenantDirectory, MemoryTenantDirectory>();
            services.AddSingleton<IStoredItemIndex, MemoryStoredItemIndex>();
        }
        return services;
    }

    /// <summary>
    /// Adds the domain to a silo: the notification grain storage (the notifications table, or memory), the stored
    /// format of every other grain's state (System.Text.Json without type names, so a class rename does not break
    /// reads), channels, schedulers and circuit reports. Call after <see cref="AddNotificationStores"/>, with the same
    /// mode. Options bind from "Delivery", "Reconciliation", "Scheduling", "Retention", "Webhooks", "Channels", "Breakers",
    /// "RateLimits" and "Quotas"; invalid values stop the start with a clear message.
    /// </summary>
    public static ISiloBuilder AddNotificationGrains(this ISiloBuilder silo, IConfiguration configuration, bool durable)
    {
        var services = silo.Services;
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.SectionName))
            .ValidateListed(o => o.Validate());
        services.AddOptions<ReconciliationOptions>().Bind(configuration.GetSection("Reconciliation"))
            .Validate(o => DurationText.TryParse(o.Interval, out var i) && i > TimeSpan.Zero && DurationText.TryParse(o.StuckAfter, out _),
                "Reconciliation:Interval and Reconciliation:StuckAfter must be durations such as 5m or 30s.").ValidateOnStart();
        services.AddOptions<AttemptSchedulingOptions>().Bind(configuration.GetSection(AttemptSchedulingOptions.SectionName))
            .ValidateListed(o => o.Validate());
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.SectionName))
            .ValidateListed(o => o.Validate());
        silo.AddStartupTask((sp, _) => sp.GetRequiredService<IGrainFactory>().GetGrain<IRetentionGrain>(0).Start());
        services.AddOptions<WebhookEndpointOptions>().Bind(configuration.GetSection(WebhookTargetGuardOptions.SectionName))
            .Validate(o => DurationText.TryParse(o.SecretRotationOverlap, out _) && DurationText.TryParse(o.DisableAfter, out _),
                "Webhooks:SecretRotationOverlap and Webhooks:DisableAfter must be durations such as 24h.")
            .Validate(o => DurationText.TryParse(o.TargetCacheTtl, out var ttl) && ttl >= TimeSpan.Zero,
                "Webhooks:TargetCacheTtl must be a duration such as 5s (0s reads the endpoint for every delivery).").ValidateOnStart();
        services.AddSingleton(sp => new WebhookTargetCache(sp.GetRequiredService<TimeProvider>(),
            DurationText.Parse(sp.GetRequiredService<IOptions<WebhookEndpointOptions>>().Value.TargetCacheTtl)));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.BuildRetrySchedules());

        // Reconciliation rides an Orleans reminder; an interval under Orleans' one-minute floor (tests) lowers the floor.
        var reconcileEvery = DurationText.TryParse(configuration["Reconciliation:Interval"], out var interval) ? interval : TimeSpan.FromMinutes(5);
        if (reconcileEvery < TimeSpan.FromMinutes(1))
        {
            services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = reconcileEvery);
        }

        services.AddMetrics();
        services.TryAddSingleton<NotificationMetrics>();
        services.AddSingleton<ChannelDispatcher>();
        services.AddSingleton<IDeliveryChannel, WebhookChannel>();
        services.AddDeliveryTargets(configuration);
        AddProviderChannels(services);
        AddUsersAndTemplates(services, configuration);
        services.AddHttpClient(WebhookChannel.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<WebhookTargetGuard>().CreateHandler());

        silo.UseSystemTextJsonGrainStorageSerializer();
        services.Configure<SystemTextJsonGrainStorageSerializerOptions>(o => o.JsonSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
        services.AddKeyedSingleton<IGrainStorage>(StorageNames.Notifications, (sp, _) => durable
            ? sp.GetRequiredService<PostgresNotificationStore>()
            : sp.GetRequiredService<MemoryNotificationStore>());

        services.AddSingleton<ProviderCircuitReporter>();
        services.AddHostedService(sp => sp.GetRequiredService<ProviderCircuitReporter>());
        services.AddHostedService<SchedulerKeeper>();
        services.AddSingleton<MembershipChanges>();
        services.AddHostedService(sp => sp.GetRequiredService<MembershipChanges>());
        return silo;
    }

    /// <summary>
    /// What delivery goes to and what the HTTP API checks against, in a silo and in a facade running alone: the webhook
    /// target guard (<c>Webhooks:*</c>), the configured provider adapters (<c>Providers:*</c>), this process's view of
    /// their circuits (<c>Breakers:*</c>) and the channels' message limits (<c>Messages:*</c>).
    /// </summary>
    public static IServiceCollection AddDeliveryTargets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookTargetGuardOptions>().Bind(configuration.GetSection(WebhookTargetGuardOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookTargetGuardOptions>, WebhookTargetGuardOptionsValidator>());
        services.AddSingleton(sp => new WebhookTargetGuard(sp.GetRequiredService<IOptions<WebhookTargetGuardOptions>>().Value));
        services.AddProviderAdapters(configuration);
        services.AddOptions<BreakerOptions>().Bind(configuration.GetSection("Breakers"))
            .ValidateListed(o => o.Validate());
        services.AddSingleton<ProviderCircuits>();
        services.AddOptions<MessageLimitOptions>().Bind(configuration.GetSection(MessageLimitOptions.SectionName))
            .Validate(o => o.SmsMaxSegments is >= 1 and <= 255, "Messages:SmsMaxSegments must be a whole number from 1 to 255 (the most parts a concatenated SMS can have).")
            .Validate(o => o.PushMaxPayloadBytes is >= 256 and <= 4096, "Messages:PushMaxPayloadBytes must be from 256 to 4096 (FCM's and APNs' limit).")
            .ValidateOnStart();
        return services;
    }

    // SMS, email and push: the configured adapters, in the order Channels:* gives, behind shared circuits.
    private static void AddProviderChannels(IServiceCollection services)
    {
        services.AddOptions<ChannelRoutingOptions>().BindConfiguration("Channels")
            .ValidateListed(o => o.Validate());
        foreach (var channel in (Channel[])[Channel.Sms, Channel.Email, Channel.Push])
        {
            services.AddSingleton<IDeliveryChannel>(sp =>
            {
                var routing = sp.GetRequiredService<IOptions<ChannelRoutingOptions>>().Value;
                var order = ChannelRoutingOptions.Split(channel switch { Channel.Sms => routing.Sms, Channel.Email => routing.Email, _ => routing.Push });
                var adapters = order.Select(name => sp.GetKeyedService<IProviderAdapter>(name)).OfType<IProviderAdapter>().ToList();
                return new ProviderChannel(channel, adapters, sp.GetRequiredService<ProviderCircuits>(), sp.GetRequiredService<IGrainFactory>(),
                    sp.GetRequiredService<IOptions<MessageLimitOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ProviderChannel>>());
            });
        }
    }

    private static void AddUsersAndTemplates(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName))
            .ValidateListed(o => o.Validate());
        services.AddOptions<OverLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RateLimitOptions>>().Value.BuildPolicy());
        services.AddSingleton<TemplateRenderer>();
        services.AddOptions<TenantQuotaOptions>().Bind(configuration.GetSection(TenantQuotaOptions.SectionName))
            .ValidateListed(o => o.Validate());
    }
}
