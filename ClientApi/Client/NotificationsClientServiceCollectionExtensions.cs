using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Client.Http;

namespace PaymentNotifications.Client;

/// <summary>Registers the Notifications API clients as typed HttpClients.</summary>
public static class NotificationsClientServiceCollectionExtensions
{
    /// <summary>The options name the admin client's settings are kept under.</summary>
    public const string AdminOptionsName = "NotificationsAdmin";

    /// <summary>Registers <see cref="NotificationsClient"/> (and <see cref="INotificationsClient"/>) with the given settings.</summary>
    public static IHttpClientBuilder AddNotificationsClient(this IServiceCollection services, Action<NotificationsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<NotificationsClientOptions>().Configure(configure);
        return AddTenantClient(services);
    }

    /// <summary>Registers <see cref="NotificationsClient"/> (and <see cref="INotificationsClient"/>) with settings bound from a configuration section.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration root holding the section.</param>
    /// <param name="sectionName">The section with BaseAddress, ApiKey, MaxRetries, ...; <c>Notifications</c> by default.</param>
    public static IHttpClientBuilder AddNotificationsClient(
        this IServiceCollection services,
        IConfiguration configuration,
        string sectionName = NotificationsClientOptions.DefaultSectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionName);
        services.AddOptions<NotificationsClientOptions>().Bind(configuration.GetSection(sectionName));
        return AddTenantClient(services);
    }

    /// <summary>Registers <see cref="NotificationsAdminClient"/> with the given settings (ApiKey is the admin key).</summary>
    public static IHttpClientBuilder AddNotificationsAdminClient(this IServiceCollection services, Action<NotificationsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<NotificationsClientOptions>(AdminOptionsName).Configure(configure);
        return AddClient<NotificationsAdminClient>(services, AdminOptionsName);
    }

    /// <summary>Registers <see cref="NotificationsAdminClient"/> with settings bound from a configuration section (ApiKey is the admin key).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration root holding the section.</param>
    /// <param name="sectionName">The section with BaseAddress, ApiKey, ...; <c>NotificationsAdmin</c> by default.</param>
    public static IHttpClientBuilder AddNotificationsAdminClient(
        this IServiceCollection services,
        IConfiguration configuration,
        string sectionName = NotificationsClientOptions.DefaultAdminSectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionName);
        services.AddOptions<NotificationsClientOptions>(AdminOptionsName).Bind(configuration.GetSection(sectionName));
        return AddClient<NotificationsAdminClient>(services, AdminOptionsName);
    }

    private static IHttpClientBuilder AddTenantClient(IServiceCollection services)
    {
        var builder = AddClient<NotificationsClient>(services, Options.DefaultName);
        services.TryAddTransient<INotificationsClient>(sp => sp.GetRequiredService<NotificationsClient>());
        return builder;
    }

    private static IHttpClientBuilder AddClient<TClient>(IServiceCollection services, string optionsName)
        where TClient : class
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationsClientOptions>, NotificationsClientOptionsValidator>());
        services.AddOptions<NotificationsClientOptions>(optionsName).ValidateOnStart();

        return services
            .AddHttpClient<TClient>((sp, http) => ApiConnection.Configure(http, OptionsOf(sp, optionsName)))
            .AddHttpMessageHandler(sp => RetryPipeline.CreateHandler(
                OptionsOf(sp, optionsName),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILoggerFactory>(),
                typeof(TClient).FullName!));
    }

    private static NotificationsClientOptions OptionsOf(IServiceProvider services, string name) =>
        services.GetRequiredService<IOptionsMonitor<NotificationsClientOptions>>().Get(name);
}
