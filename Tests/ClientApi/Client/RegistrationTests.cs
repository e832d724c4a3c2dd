using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaymentNotifications.Client;
using PaymentNotifications.Client.Models;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Client;

public sealed class RegistrationTests
{
    [Fact]
    public async Task Registered_client_sends_the_key_as_bearer_and_retries_transient_failures()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(503).Reply(200, WireSamples.Notification());
        var services = new ServiceCollection();
        services.AddNotificationsClient(o =>
        {
            o.BaseAddress = api.BaseAddress;
            o.ApiKey = "svc-key";
            o.RetryDelay = TimeSpan.FromMilliseconds(1);
        });
        await using var provider = services.BuildServiceProvider();

        var notification = await provider.GetRequiredService<INotificationsClient>().GetAsync("ntf_01");

        Assert.Equal("ntf_01", notification.Id);
        Assert.Equal(2, api.Requests.Count);
        Assert.All(api.Requests, r => Assert.Equal("Bearer svc-key", r.Header("Authorization")));
    }

    [Fact]
    public async Task Registered_client_retries_on_the_registered_time_provider_like_a_standalone_one()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(429, WireSamples.Problem(429, "about:blank", "Too Many Requests", "Slow down."), ("Retry-After", "7"))
           .Hang()
           .Reply(200, WireSamples.Notification());
        var clock = new ManualTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddNotificationsClient(o =>
        {
            o.BaseAddress = api.BaseAddress;
            o.ApiKey = "svc-key";
            o.AttemptTimeout = TimeSpan.FromSeconds(5);
            o.RetryDelay = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();

        var reading = provider.GetRequiredService<INotificationsClient>().GetAsync("ntf_01");
        Assert.Equal(TimeSpan.FromSeconds(7), await clock.WaitForTimerAsync(due => due == TimeSpan.FromSeconds(7)));
        clock.Advance(TimeSpan.FromSeconds(7));
        await api.WaitForRequestsAsync(2);
        await clock.WaitForTimerAsync(due => due == TimeSpan.FromSeconds(5));
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("ntf_01", (await reading.WaitAsync(TimeSpan.FromSeconds(30))).Id);
        Assert.Equal(3, api.Requests.Count);
    }

    [Fact]
    public async Task Configuration_section_Notifications_is_bound_by_default()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(503).Reply(200, WireSamples.Notification());
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Notifications:BaseAddress"] = api.BaseAddress.ToString(),
                ["Notifications:ApiKey"] = "configured-key",
                ["Notifications:MaxRetries"] = "0",
                ["Notifications:Timeout"] = "00:00:20",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddNotificationsClient(configuration);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<NotificationsClient>();
        await Assert.ThrowsAnyAsync<NotificationsApiException>(() => client.GetAsync("ntf_01"));

        // MaxRetries = 0 was bound: the 503 is not retried.
        Assert.Equal("Bearer configured-key", Assert.Single(api.Requests).Header("Authorization"));
        Assert.Equal(TimeSpan.FromSeconds(20), provider.GetRequiredService<IOptions<NotificationsClientOptions>>().Value.Timeout);
    }

    [Fact]
    public async Task Admin_client_uses_its_own_key_beside_the_tenant_client()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Otherwise(200, WireSamples.Notification());
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Notifications:BaseAddress"] = api.BaseAddress.ToString(),
                ["Notifications:ApiKey"] = "tenant-key",
                ["NotificationsAdmin:BaseAddress"] = api.BaseAddress.ToString(),
                ["NotificationsAdmin:ApiKey"] = "admin-key",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddNotificationsClient(configuration);
        services.AddNotificationsAdminClient(configuration);
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<NotificationsClient>().GetAsync("ntf_01");
        await provider.GetRequiredService<NotificationsAdminClient>().ReplayDeadLettersAsync(["d1"]);

        Assert.Equal(["Bearer tenant-key", "Bearer admin-key"], api.Requests.Select(r => r.Header("Authorization")));
    }

    [Fact]
    public async Task Base_address_with_a_path_keeps_the_path_in_front_of_every_route()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, WireSamples.Notification());
        using var client = api.Client(o => o.BaseAddress = new Uri(api.BaseAddress, "/notifications-api"));

        await client.GetAsync("ntf_01");

        Assert.Equal("/notifications-api/v1/notifications/ntf_01", api.Requests.Single().Target);
    }

    [Fact]
    public async Task Misconfigured_registration_fails_on_resolve_with_every_problem_named()
    {
        var services = new ServiceCollection();
        services.AddNotificationsClient(o => o.MaxRetries = -1);
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<INotificationsClient>());

        Assert.Contains(error.Failures, f => f.Contains("BaseAddress is required"));
        Assert.Contains(error.Failures, f => f.Contains("ApiKey is required"));
        Assert.Contains(error.Failures, f => f.Contains("MaxRetries must be between 0 and 10"));
    }

    [Fact]
    public void Standalone_client_with_missing_settings_is_refused_with_clear_messages()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new NotificationsClient(new NotificationsClientOptions()));

        Assert.Equal(2, error.Failures.Count());
        Assert.Contains("BaseAddress is required", error.Message);
        Assert.Contains("ApiKey is required", error.Message);
    }

    public static TheoryData<string, Action<NotificationsClientOptions>> InvalidSettings => new()
    {
        { "absolute http or https", o => o.BaseAddress = new Uri("ftp://host/") },
        { "absolute http or https", o => o.BaseAddress = new Uri("/relative", UriKind.Relative) },
        { "query or fragment", o => o.BaseAddress = new Uri("https://host/?x=1") },
        { "printable ASCII without spaces", o => o.ApiKey = "key-with-newline\n" },
        { "MaxRetries", o => o.MaxRetries = 11 },
        { "RetryDelay", o => o.RetryDelay = TimeSpan.FromMinutes(5) },
        { "MaxRetryDelay", o => o.MaxRetryDelay = TimeSpan.FromDays(2) },
        { "AttemptTimeout", o => o.AttemptTimeout = TimeSpan.FromMilliseconds(1) },
        { "Timeout", o => o.Timeout = TimeSpan.FromSeconds(-1) },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Each_invalid_setting_is_named_in_the_failure(string expected, Action<NotificationsClientOptions> spoil)
    {
        var options = new NotificationsClientOptions { BaseAddress = new Uri("https://host/"), ApiKey = "key" };
        spoil(options);

        var error = Assert.Throws<OptionsValidationException>(() => new NotificationsClient(options));

        Assert.Contains(expected, Assert.Single(error.Failures));
        Assert.DoesNotContain("key-with-newline", error.Message);
    }

    [Fact]
    public void Defaults_are_valid_once_address_and_key_are_given()
    {
        var options = new NotificationsClientOptions { BaseAddress = new Uri("https://host/"), ApiKey = "key" };

        using var client = new NotificationsClient(options);

        Assert.Equal(3, options.MaxRetries);
    }
}
