using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaymentNotifications.Grains.Channels;

/// <summary>Registers the provider adapters configured under <c>Providers:*</c>.</summary>
public static class ProviderAdapterServiceCollectionExtensions
{
    /// <summary>
    /// Registers one adapter per configured provider section (<c>Providers:Twilio</c>, <c>Providers:Vonage</c>,
    /// <c>Providers:SendGrid</c>, <c>Providers:Mailgun</c>, <c>Providers:Fcm</c>, <c>Providers:Apns</c>); a provider
    /// whose section is absent is not registered. Options are validated at start-up. Each adapter is a singleton,
    /// resolvable as its own type, as <see cref="IProviderAdapter"/> and as a keyed <see cref="IProviderAdapter"/>
    /// under its provider name.
    /// </summary>
    /// <param name="configuration">The configuration holding the <c>Providers</c> section, or that section itself.</param>
    public static IServiceCollection AddProviderAdapters(this IServiceCollection services, IConfiguration configuration)
    {
        var providers = configuration is IConfigurationSection { Key: "Providers" } section
            ? section
            : configuration.GetSection("Providers");

        Add<TwilioOptions, TwilioSmsAdapter>(services, providers, "Twilio", "twilio",
            (http, o, time, logs) => new TwilioSmsAdapter(http, o, time, logs.CreateLogger<TwilioSmsAdapter>()));
        Add<VonageOptions, VonageSmsAdapter>(services, providers, "Vonage", "vonage",
            (http, o, time, logs) => new VonageSmsAdapter(http, o, time, logs.CreateLogger<VonageSmsAdapter>()));
        Add<SendGridOptions, SendGridEmailAdapter>(services, providers, "SendGrid", "sendgrid",
            (http, o, time, logs) => new SendGridEmailAdapter(http, o, time, logs.CreateLogger<SendGridEmailAdapter>()));
        Add<MailgunOptions, MailgunEmailAdapter>(services, providers, "Mailgun", "mailgun",
            (http, o, time, logs) => new MailgunEmailAdapter(http, o, time, logs.CreateLogger<MailgunEmailAdapter>()));
        Add<FcmOptions, FcmPushAdapter>(services, providers, "Fcm", "fcm",
            (http, o, time, logs) => new FcmPushAdapter(http, o, time, logs.CreateLogger<FcmPushAdapter>()));
        Add<ApnsOptions, ApnsPushAdapter>(services, providers, "Apns", "apns",
            (http, o, time, logs) => new ApnsPushAdapter(http, o, time, logs.CreateLogger<ApnsPushAdapter>()));
        return services;
    }

    private static void Add<TOptions, TAdapter>(
        IServiceCollection services,
        IConfiguration providers,
        string sectionName,
        string providerName,
        Func<HttpClient, TOptions, TimeProvider, ILoggerFactory, TAdapter> create)
        where TOptions : ProviderOptions
        where TAdapter : class, IProviderAdapter
    {
        var section = providers.GetSection(sectionName);
        if (!section.Exists())
        {
            return;
        }

        services.AddOptions<TOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, ProviderOptionsValidator<TOptions>>();

        // The adapters are singletons holding their client, so connections are recycled by the handler
        // (PooledConnectionLifetime) rather than by the factory rotating handlers; the attempt timeout is Polly's.
        services.AddHttpClient(providerName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                EnableMultipleHttp2Connections = true,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);

        services.AddSingleton(sp => create(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(providerName),
            sp.GetRequiredService<IOptions<TOptions>>().Value,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IProviderAdapter>(sp => sp.GetRequiredService<TAdapter>());
        services.AddKeyedSingleton<IProviderAdapter>(providerName, (sp, _) => sp.GetRequiredService<TAdapter>());
    }
}
