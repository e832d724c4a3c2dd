using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Webhooks;

namespace PaymentNotifications.Grains.Security;

/// <summary>Registers encryption at rest and the transport rules that differ between dev and durable mode.</summary>
public static class SecurityServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="SecretProtector"/> keyed by <c>Security:EncryptionKey</c>. In dev mode
    /// (<paramref name="durable"/> false) a key is generated for the run when none is set, since memory storage does
    /// not outlive it; in durable mode a missing or malformed key stops the start with a message saying what to set.
    /// Durable mode also requires https webhook URLs unless <c>Webhooks:RequireHttps</c> is configured.
    /// </summary>
    public static IServiceCollection AddNotificationSecurity(this IServiceCollection services, IConfiguration configuration, bool durable)
    {
        var options = services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.SectionName));
        if (!durable)
        {
            var runKey = SecretProtector.GenerateKey();
            options.PostConfigure(o => o.EncryptionKey = string.IsNullOrWhiteSpace(o.EncryptionKey) ? runKey : o.EncryptionKey);
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>());
        options.ValidateOnStart();
        services.TryAddSingleton(sp =>
        {
            var value = sp.GetRequiredService<IOptions<SecurityOptions>>().Value;
            SecretProtector.TryParseKey(value.EncryptionKey, out var key, out _);
            var previous = value.PreviousKeys().Select(k => SecretProtector.TryParseKey(k, out var parsed, out _) ? parsed : null).OfType<byte[]>();
            return new SecretProtector(key!, previous);
        });

        if (durable && string.IsNullOrWhiteSpace(configuration[$"{WebhookTargetGuardOptions.SectionName}:{nameof(WebhookTargetGuardOptions.RequireHttps)}"]))
        {
            services.PostConfigure<WebhookTargetGuardOptions>(o => o.RequireHttps = true);
        }
        return services;
    }
}
