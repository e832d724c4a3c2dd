using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Client;
using PaymentNotifications.Client.Models;
using PaymentNotifications.Grains.Webhooks;
using PaymentNotifications.Tests.Infrastructure;
using WebhookSecret = PaymentNotifications.Grains.Webhooks.WebhookSecret;

namespace PaymentNotifications.Tests.ClientApi.EndToEnd;

/// <summary>The typed .NET clients against the real silo and its HTTP API: shapes, states and typed errors agree end to end.</summary>
public abstract class ClientAgainstServerTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    protected abstract Task<string?> ConnectionStringAsync();

    /// <summary>Dev mode serves sandbox providers, so it has circuits to drive.</summary>
    protected virtual bool HasSandboxProviders => false;

    private async Task<SiloApp> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var app = new SiloApp(await ConnectionStringAsync(), settings);
        _ = app.Server;
        return app;
    }

    private static HttpClient Http(SiloApp app, string key)
    {
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private static NotificationsAdminClient Admin(SiloApp app) => new(Http(app, SiloApp.AdminKey));

    private static async Task<NotificationsClient> TenantAsync(SiloApp app, string? name = null)
    {
        var created = await Admin(app).CreateTenantAsync(name ?? $"tenant-{Guid.NewGuid():N}");
        return new NotificationsClient(Http(app, created.ApiKey));
    }

    private static NotificationRequest Webhook(string key, string merchantId = "m-42", DateTimeOffset? sendAt = null) =>
        new(key, "charge.paid", Channel.Webhook)
        {
            Recipient = Recipient.ForMerchant(merchantId),
            Data = new JsonObject { ["chargeId"] = key, ["amount"] = 1500, ["currency"] = "BRL" },
            SendAt = sendAt,
        };

    private static async Task<WebhookReceiver> ReceiverAsync(NotificationsClient client, string merchantId = "m-42")
    {
        var receiver = await WebhookReceiver.StartAsync();
        var endpoint = await client.PutWebhookEndpointAsync(merchantId, new WebhookEndpointRequest(new Uri(receiver.Url)));
        receiver.Secrets = [endpoint.Secret!];
        return receiver;
    }

    [Fact]
    public async Task Submit_resubmit_and_wait_for_completion()
    {
        await using var app = await StartAsync();
        using var client = await TenantAsync(app);
        await using var receiver = await ReceiverAsync(client);

        var first = await client.SubmitAsync(Webhook("charge-8812-paid"));
        var again = await client.SubmitAsync(Webhook("charge-8812-paid"));
        var done = await client.WaitForCompletionAsync(first.Notification.Id, Poll, Wait);
        var read = await client.GetAsync(first.Notification.Id);

        Assert.True(first.Created);
        Assert.Equal(NotificationState.Pending, first.Notification.State);
        Assert.Equal($"/v1/notifications/{first.Notification.Id}", first.Location!.AbsolutePath);
        Assert.False(again.Created);
        Assert.Equal(first.Notification.Id, again.Notification.Id);
        Assert.Equal(NotificationState.Success, done.State);
        Assert.True(done.IsFinal);
        Assert.NotNull(done.CompletedAt);
        var attempt = Assert.Single(done.Attempts);
        Assert.Equal(("webhook", "succeeded", 200), (attempt.Provider, attempt.Outcome, attempt.StatusCode));
        Assert.Equivalent(done, read, strict: true);
        Assert.Equal("charge-8812-paid", read.IdempotencyKey);
        Assert.Equal(Priority.Normal, read.Priority);
        var delivery = Assert.Single(receiver.Received);
        Assert.Equal(WebhookVerification.Valid, delivery.Verification);
    }

    [Fact]
    public async Task Listing_walks_every_page_newest_first_and_filters_by_state()
    {
        await using var app = await StartAsync();
        using var client = await TenantAsync(app);
        await using var receiver = await ReceiverAsync(client);
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await client.SubmitAsync(Webhook($"list-{i}", i < 5 ? "m-42" : "m-nobody"))).Notification.Id);
        }
        foreach (var id in ids)
        {
            await client.WaitForCompletionAsync(id, Poll, Wait);
        }

        var firstPage = await client.ListPageAsync(new NotificationQuery { Limit = 3 });
        var secondPage = await client.ListPageAsync(new NotificationQuery { Limit = 3 }, firstPage.NextCursor);
        var all = new List<string>();
        await foreach (var notification in client.ListAsync(new NotificationQuery { Limit = 2 }))
        {
            all.Add(notification.Id);
        }
        var notApply = new List<Notification>();
        await foreach (var notification in client.ListAsync(new NotificationQuery { State = NotificationState.NotApply, Channel = Channel.Webhook }))
        {
            notApply.Add(notification);
        }

        Assert.Equal(Enumerable.Reverse(ids).Take(3), firstPage.Items.Select(n => n.Id));
        Assert.NotNull(firstPage.NextCursor);
        Assert.Equal(Enumerable.Reverse(ids).Skip(3).Take(3), secondPage.Items.Select(n => n.Id));
        Assert.Equal(Enumerable.Reverse(ids), all);
        Assert.Equal(ids.Skip(5).Reverse(), notApply.Select(n => n.Id));
        Assert.All(notApply, n => Assert.Equal(NotificationState.NotApply, n.State));
    }

    [Fact]
    public async Task Cancel_and_retry_change_state_and_refuse_with_a_conflict_otherwise()
    {
        await using var app = await StartAsync(new Dictionary<string, string?> { ["Delivery:MaxAttempts"] = "1" });
        using var client = await TenantAsync(app);
        await using var receiver = await ReceiverAsync(client);
        receiver.Respond = (_, _) => 500;

        var later = await client.SubmitAsync(Webhook("later", sendAt: DateTimeOffset.UtcNow.AddMinutes(10)));
        var cancelled = await client.CancelAsync(later.Notification.Id);
        var cancelAgain = await Assert.ThrowsAsync<NotificationConflictException>(() => client.CancelAsync(later.Notification.Id));
        var failed = await client.WaitForCompletionAsync((await client.SubmitAsync(Webhook("doomed"))).Notification.Id, Poll, Wait);
        receiver.Respond = (_, _) => 200;
        var retried = await client.RetryAsync(failed.Id);
        var delivered = await client.WaitForCompletionAsync(failed.Id, Poll, Wait);
        var retryAgain = await Assert.ThrowsAsync<NotificationConflictException>(() => client.RetryAsync(failed.Id));

        Assert.Equal(NotificationState.Cancelled, cancelled.State);
        Assert.Equal(HttpStatusCode.Conflict, cancelAgain.StatusCode);
        Assert.Equal("/problems/invalid-state", cancelAgain.Type);
        Assert.Equal(NotificationState.Failed, failed.State);
        Assert.Equal(NotificationState.Pending, retried.State);
        Assert.Equal(NotificationState.Success, delivered.State);
        Assert.Equal(2, delivered.Attempts.Count);
        Assert.Equal("/problems/invalid-state", retryAgain.Type);
    }

    [Fact]
    public async Task Errors_arrive_as_typed_exceptions_with_their_problem()
    {
        await using var app = await StartAsync();
        using var client = await TenantAsync(app);
        await using var receiver = await ReceiverAsync(client);
        await client.SubmitAsync(Webhook("charge-1-paid"));

        var invalid = await Assert.ThrowsAsync<NotificationsValidationException>(() => client.SubmitAsync(new NotificationRequest("otp-1", "auth.otp", Channel.Sms)
        {
            Priority = Priority.Critical,
            Recipient = Recipient.ForSms("u-1", "11 91234-5678"),
            Content = new NotificationContent(Text: "Your code is 123456"),
            SendAt = DateTimeOffset.UtcNow.AddDays(60),
        }));
        var conflict = await Assert.ThrowsAsync<NotificationConflictException>(() => client.SubmitAsync(Webhook("charge-1-paid") with
        {
            Data = new JsonObject { ["chargeId"] = "another" },
        }));
        var missing = await Assert.ThrowsAsync<NotificationNotFoundException>(() => client.GetAsync("ntf_00000000000000000000000000000000"));
        var noEndpoint = await Assert.ThrowsAsync<NotificationNotFoundException>(() => client.GetWebhookEndpointAsync("m-nobody"));
        using var stranger = new NotificationsClient(Http(app, "ntk_" + new string('x', 43)));
        var unauthorized = await Assert.ThrowsAsync<NotificationsAuthenticationException>(() => stranger.GetAsync("ntf_00000000000000000000000000000000"));
        var badUrl = await Assert.ThrowsAsync<NotificationsValidationException>(() =>
            client.PutWebhookEndpointAsync("m-7", new WebhookEndpointRequest(new Uri("ftp://shop.example/hooks")) { EventTypes = ["Not A Type"] }));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("/problems/validation-failed", invalid.Type);
        Assert.Equal(["recipient.phone", "sendAt"], invalid.Errors.Keys.Order());
        Assert.Contains("E.164", invalid.Errors["recipient.phone"][0]);
        Assert.DoesNotContain("91234", invalid.Message);
        Assert.Equal("/problems/idempotency-conflict", conflict.Type);
        Assert.Equal("/problems/not-found", missing.Type);
        Assert.Equal(HttpStatusCode.NotFound, noEndpoint.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(["eventTypes[0]", "url"], badUrl.Errors.Keys.Order());
    }

    [Fact]
    public async Task Webhook_endpoint_lifecycle_through_the_client()
    {
        await using var app = await StartAsync();
        using var client = await TenantAsync(app);

        var put = await client.PutWebhookEndpointAsync("m-9", new WebhookEndpointRequest(new Uri("http://127.0.0.1:9/hooks")) { EventTypes = ["charge.paid"] });
        var read = await client.GetWebhookEndpointAsync("m-9");
        var rotated = await client.RotateWebhookSecretAsync("m-9");
        var afterRotation = await client.GetWebhookEndpointAsync("m-9");
        await client.DeleteWebhookEndpointAsync("m-9");
        var gone = await Assert.ThrowsAsync<NotificationNotFoundException>(() => client.GetWebhookEndpointAsync("m-9"));
        var given = await client.PutWebhookEndpointAsync("m-9", new WebhookEndpointRequest(new Uri("http://127.0.0.1:9/other")) { Secret = put.Secret });

        Assert.True(WebhookSecret.TryParse(put.Secret, out _, out _));
        Assert.True(put.Enabled);
        Assert.Equivalent(put, read, strict: true);
        Assert.Equal(["charge.paid"], read.EventTypes);
        Assert.NotEqual(put.Secret, rotated.Secret);
        Assert.Equal(rotated.Secret, afterRotation.Secret);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(put.Secret, given.Secret);
        Assert.Equal(new Uri("http://127.0.0.1:9/other"), given.Url);
    }

    [Fact]
    public async Task Dead_letters_are_listed_and_replayed_through_the_admin_client()
    {
        await using var app = await StartAsync(new Dictionary<string, string?> { ["Delivery:MaxAttempts"] = "1" });
        var admin = Admin(app);
        var tenant = await admin.CreateTenantAsync("dead-letters");
        using var client = new NotificationsClient(Http(app, tenant.ApiKey));
        await using var receiver = await ReceiverAsync(client);
        receiver.Respond = (_, _) => 500;
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var first = await client.WaitForCompletionAsync((await client.SubmitAsync(Webhook("dead-1"))).Notification.Id, Poll, Wait);
        var second = await client.WaitForCompletionAsync((await client.SubmitAsync(Webhook("dead-2"))).Notification.Id, Poll, Wait);

        var listed = new List<string>();
        await foreach (var dead in admin.ListDeadLettersAsync(new DeadLetterQuery { TenantId = tenant.Id, Channel = Channel.Webhook, Limit = 1 }))
        {
            listed.Add(dead.Id);
        }
        receiver.Respond = (_, _) => 200;
        var byId = await admin.ReplayDeadLettersAsync([first.Id]);
        var bySince = await admin.ReplayDeadLettersSinceAsync(since);

        Assert.Equal([second.Id, first.Id], listed);
        Assert.Equal(1, byId.Replayed);
        Assert.Equal(NotificationState.Success, (await client.WaitForCompletionAsync(first.Id, Poll, Wait)).State);
        Assert.Equal(1, bySince.Replayed);
        Assert.Equal(NotificationState.Success, (await client.WaitForCompletionAsync(second.Id, Poll, Wait)).State);
        Assert.Empty(await admin.ListDeadLetterPageAsync(new DeadLetterQuery { TenantId = tenant.Id }) is { } page ? page.Items : []);
    }

    [Fact]
    public async Task Admin_client_creates_tenants_and_reads_the_cluster()
    {
        await using var app = await StartAsync();
        var admin = Admin(app);

        var tenant = await admin.CreateTenantAsync("acme");
        var taken = await Assert.ThrowsAsync<NotificationConflictException>(() => admin.CreateTenantAsync("acme"));
        using var client = new NotificationsClient(Http(app, tenant.ApiKey));
        var submitted = await client.SubmitAsync(Webhook("activates-a-grain", "m-nobody"));
        var cluster = await admin.GetClusterAsync();
        var forbidden = await Assert.ThrowsAsync<NotificationsAuthenticationException>(() => new NotificationsAdminClient(Http(app, tenant.ApiKey)).GetClusterAsync());

        Assert.StartsWith("ntk_", tenant.ApiKey);
        Assert.Equal("/problems/name-taken", taken.Type);
        var silo = Assert.Single(cluster.Silos);
        Assert.Equal("active", silo.Status);
        Assert.True(silo.Activations > 0);
        Assert.Equal(submitted.Notification.Id, Assert.Single((await client.ListPageAsync()).Items).Id);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task User_preferences_and_provider_circuits_through_the_clients()
    {
        await using var app = await StartAsync();
        var admin = Admin(app);
        using var client = await TenantAsync(app);
        var preferences = new UserPreferences
        {
            Channels = new ChannelPreferences { Sms = true, Push = false },
            Types = new Dictionary<string, ChannelPreferences> { ["marketing"] = new() { Sms = false } },
            QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Africa/Lagos"),
        };

        var stored = await client.PutUserPreferencesAsync("u-1", preferences);
        var read = await client.GetUserPreferencesAsync("u-1");
        var invalid = await Assert.ThrowsAsync<NotificationsValidationException>(() =>
            client.PutUserPreferencesAsync("u-1", preferences with { QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Mars/Olympus") }));
        var providers = await admin.GetProvidersAsync();

        Assert.Equivalent(preferences, stored);
        Assert.Equivalent(preferences, read);
        Assert.Contains("quietHours.timeZone", invalid.Errors.Keys);
        Assert.True(!HasSandboxProviders || providers.Count > 0, "dev mode lists its sandbox providers");
        if (providers.Count > 0)
        {
            var name = providers[0].Name;
            await admin.SetCircuitModeAsync(name, CircuitMode.ForcedOpen);
            var forced = (await admin.GetProvidersAsync()).Single(p => p.Name == name);
            Assert.Equal(CircuitMode.ForcedOpen, forced.Mode);
            await admin.SetCircuitModeAsync(name, CircuitMode.Auto);
        }
        await Assert.ThrowsAsync<NotificationNotFoundException>(() => admin.SetCircuitModeAsync("carrier-pigeon", CircuitMode.Auto));
    }

    [Fact]
    public async Task A_registered_client_waits_out_rate_limits_with_its_retries()
    {
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["Api:RateLimit:PermitsPerSecond"] = "2",
            ["Api:RateLimit:Burst"] = "2",
        });
        var tenant = await Admin(app).CreateTenantAsync("patient");
        var services = new ServiceCollection();
        services.AddNotificationsClient(o =>
        {
            o.BaseAddress = app.Server.BaseAddress;
            o.ApiKey = tenant.ApiKey;
            o.MaxRetries = 5;
            o.RetryDelay = TimeSpan.FromMilliseconds(100);
        }).ConfigurePrimaryHttpMessageHandler(() => app.Server.CreateHandler());
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<INotificationsClient>();
        using var impatient = new NotificationsClient(Http(app, tenant.ApiKey));

        var results = new List<SubmitResult>();
        for (var i = 0; i < 6; i++)
        {
            results.Add(await client.SubmitAsync(Webhook($"burst-{i}", "m-nobody")));
        }
        var refused = await Assert.ThrowsAsync<NotificationsRateLimitedException>(async () =>
        {
            while (true)
            {
                await impatient.ListPageAsync();
            }
        });

        Assert.All(results, r => Assert.True(r.Created));
        Assert.Equal(6, results.Select(r => r.Notification.Id).Distinct().Count());
        Assert.Equal("/problems/rate-limited", refused.Type);
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1));
    }
}

public sealed class MemoryClientAgainstServerTests : ClientAgainstServerTests
{
    protected override bool HasSandboxProviders => true;

    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

public sealed class PostgresClientAgainstServerTests : ClientAgainstServerTests
{
    protected override async Task<string?> ConnectionStringAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync("client");
}
