using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Channels;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

public sealed class ProviderAdapterRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, bool passProvidersSection = false)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        if (passProvidersSection)
        {
            configuration = configuration.GetSection("Providers");
        }

        return new ServiceCollection().AddLogging().AddProviderAdapters(configuration).BuildServiceProvider();
    }

    private static Dictionary<string, string?> TwilioSettings() => new()
    {
        ["Providers:Twilio:BaseUrl"] = "http://127.0.0.1:9/sandbox/twilio",
        ["Providers:Twilio:AccountSid"] = "AC00000000000000000000000000000000",
        ["Providers:Twilio:AuthToken"] = "token",
        ["Providers:Twilio:From"] = "+15005550006",
        ["Providers:Twilio:AttemptTimeout"] = "00:00:05",
    };

    [Fact]
    public void Only_configured_providers_are_registered()
    {
        using var services = Build(TwilioSettings());

        var adapter = Assert.Single(services.GetServices<IProviderAdapter>());
        Assert.IsType<TwilioSmsAdapter>(adapter);
        Assert.Same(adapter, services.GetRequiredKeyedService<IProviderAdapter>("twilio"));
        Assert.Null(services.GetKeyedService<IProviderAdapter>("sendgrid"));
    }

    [Fact]
    public void Options_are_bound_from_their_section()
    {
        using var services = Build(TwilioSettings());

        var options = services.GetRequiredService<IOptions<TwilioOptions>>().Value;
        Assert.Equal("http://127.0.0.1:9/sandbox/twilio", options.BaseUrl);
        Assert.Equal(TimeSpan.FromSeconds(5), options.AttemptTimeout);
        Assert.Equal("+15005550006", options.From);
    }

    [Fact]
    public void The_providers_section_itself_may_be_passed()
    {
        using var services = Build(TwilioSettings(), passProvidersSection: true);

        Assert.IsType<TwilioSmsAdapter>(Assert.Single(services.GetServices<IProviderAdapter>()));
    }

    [Fact]
    public void Invalid_options_fail_with_a_message_naming_the_problem()
    {
        var settings = TwilioSettings();
        settings.Remove("Providers:Twilio:AuthToken");
        settings["Providers:Twilio:BaseUrl"] = "not a url";
        using var services = Build(settings);

        var problem = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TwilioOptions>>().Value);
        Assert.Contains("TwilioOptions: AuthToken is required.", problem.Failures);
        Assert.Contains("TwilioOptions: BaseUrl must be an absolute http(s) URL.", problem.Failures);
    }

    [Fact]
    public void Defaults_point_at_the_real_apis_with_a_15_second_attempt()
    {
        Assert.Equal("https://api.twilio.com", new TwilioOptions().BaseUrl);
        Assert.Equal("https://rest.nexmo.com", new VonageOptions().BaseUrl);
        Assert.Equal("https://api.sendgrid.com", new SendGridOptions().BaseUrl);
        Assert.Equal("https://api.mailgun.net", new MailgunOptions().BaseUrl);
        Assert.Equal("https://fcm.googleapis.com", new FcmOptions().BaseUrl);
        Assert.Equal("https://api.push.apple.com", new ApnsOptions().BaseUrl);
        Assert.Equal(TimeSpan.FromSeconds(15), new ApnsOptions().AttemptTimeout);
    }
}
