using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Grains.Webhooks;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Notifications;

/// <summary>The notification lifecycle on the webhook channel, end to end through the HTTP API.</summary>
public abstract class WebhookDeliveryTests
{
    protected abstract Task<string?> ConnectionStringAsync();

    private async Task<SiloApp> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var app = new SiloApp(await ConnectionStringAsync(), settings);
        _ = app.Server; // start the host now
        return app;
    }

    private static async Task<(HttpClient Tenant, WebhookReceiver Receiver)> MerchantAsync(SiloApp app, string merchantId = "m-42", string[]? eventTypes = null)
    {
        var tenant = await app.NewTenantAsync();
        var receiver = await WebhookReceiver.StartAsync();
        var endpoint = await tenant.PutEndpointAsync(merchantId, receiver.Url, eventTypes);
        receiver.Secrets = [endpoint["secret"]!.GetValue<string>()];
        return (tenant, receiver);
    }

    [Fact]
    public async Task Thousand_notifications_all_succeed_each_received_once_with_a_valid_signature()
    {
        await using var app = await StartAsync();
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;

        var ids = new string[1000];
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var response = await tenant.SubmitWebhookAsync($"charge-{i}-paid", "m-42");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids[i] = await NotificationsHttp.IdOf(response);
        });

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (receiver.Received.Count < 1000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        foreach (var id in ids)
        {
            Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(id)).State());
        }
        await Task.Delay(500);
        Assert.Equal(1000, receiver.Received.Count);
        Assert.Equal(ids.Order(), receiver.Received.Select(r => r.Id).Order());
        Assert.All(receiver.Received, r => Assert.Equal(WebhookVerification.Valid, r.Verification));
    }

    [Fact]
    public async Task Failing_receiver_is_retried_on_the_schedule_until_it_succeeds()
    {
        await using var app = await StartAsync(new Dictionary<string, string?> { ["Delivery:RetrySchedule"] = "1s,2s", ["Delivery:RetryJitter"] = "0" });
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        receiver.Respond = (_, attempt) => attempt <= 2 ? 503 : 200;

        var id = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("retry-me", "m-42"));
        var notification = await tenant.WaitForFinalAsync(id, TimeSpan.FromSeconds(20));

        Assert.Equal("SUCCESS", notification.State());
        var attempts = notification.Attempts();
        Assert.Equal(["failed", "failed", "succeeded"], attempts.Select(a => a!["outcome"]!.GetValue<string>()));
        Assert.Equal([503, 503, 200], attempts.Select(a => a!["statusCode"]!.GetValue<int>()));
        var starts = attempts.Select(a => a!["startedAt"]!.GetValue<DateTimeOffset>()).ToList();
        // Never earlier than the schedule; how much later depends on the machine, and the default schedule (5s, 30s)
        // would not finish within the wait above.
        Assert.True((starts[1] - starts[0]).TotalSeconds >= 0.9, $"second attempt came {(starts[1] - starts[0]).TotalSeconds:0.00} s after the first");
        Assert.True((starts[2] - starts[1]).TotalSeconds >= 1.9, $"third attempt came {(starts[2] - starts[1]).TotalSeconds:0.00} s after the second");
        Assert.Equal(3, receiver.CountFor(id));
        Assert.Single(receiver.Received.Select(r => r.Id).Distinct());
    }

    [Fact]
    public async Task Retry_After_from_the_receiver_is_honoured()
    {
        await using var app = await StartAsync(new Dictionary<string, string?> { ["Delivery:RetrySchedule"] = "100ms", ["Delivery:RetryJitter"] = "0" });
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        receiver.Respond = (_, attempt) => attempt == 1 ? 429 : 200;
        receiver.Headers = (_, _) => new Dictionary<string, string> { ["Retry-After"] = "2" };

        var id = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("slow-down", "m-42"));
        var notification = await tenant.WaitForFinalAsync(id, TimeSpan.FromSeconds(20));

        var starts = notification.Attempts().Select(a => a!["startedAt"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal("SUCCESS", notification.State());
        Assert.True((starts[1] - starts[0]).TotalSeconds >= 1.9, $"second attempt came {(starts[1] - starts[0]).TotalSeconds:0.00} s after the first");
    }

    [Fact]
    public async Task Always_failing_receiver_ends_failed_as_a_dead_letter_and_replay_delivers_it()
    {
        await using var app = await StartAsync(new Dictionary<string, string?> { ["Delivery:MaxAttempts"] = "3" });
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        receiver.Respond = (_, _) => 500;

        var id = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("doomed", "m-42"));
        var failed = await tenant.WaitForFinalAsync(id, TimeSpan.FromSeconds(20));

        Assert.Equal("FAILED", failed.State());
        Assert.Equal(3, failed.Attempts().Count);
        Assert.Contains("3 attempts", failed["reason"]!.GetValue<string>());
        var deadLetters = await (await app.Admin().GetAsync("/v1/admin/dead-letters")).ReadJsonAsync();
        Assert.Contains(id, deadLetters["items"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()));

        receiver.Respond = (_, _) => 200;
        var replay = await app.Admin().PostAsJsonAsync("/v1/admin/dead-letters/replay", new { ids = new[] { id } });
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(1, (await replay.ReadJsonAsync())["replayed"]!.GetValue<int>());

        var replayed = await tenant.WaitForFinalAsync(id, TimeSpan.FromSeconds(20));
        Assert.Equal("SUCCESS", replayed.State());
        Assert.Equal(4, replayed.Attempts().Count);
        Assert.Equal(4, receiver.CountFor(id));
        var afterReplay = await (await app.Admin().GetAsync("/v1/admin/dead-letters")).ReadJsonAsync();
        Assert.DoesNotContain(id, afterReplay["items"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Replay_since_a_time_puts_back_every_dead_letter_failed_since()
    {
        await using var app = await StartAsync(new Dictionary<string, string?> { ["Delivery:MaxAttempts"] = "1" });
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        receiver.Respond = (_, _) => 500;
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync($"dead-{i}", "m-42")));
        }
        foreach (var id in ids)
        {
            Assert.Equal("FAILED", (await tenant.WaitForFinalAsync(id)).State());
        }

        receiver.Respond = (_, _) => 200;
        var replay = await app.Admin().PostAsJsonAsync("/v1/admin/dead-letters/replay", new { since });

        Assert.Equal(3, (await replay.ReadJsonAsync())["replayed"]!.GetValue<int>());
        foreach (var id in ids)
        {
            Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(id)).State());
        }
    }

    [Fact]
    public async Task Same_key_and_body_returns_the_existing_notification_and_a_different_body_conflicts()
    {
        await using var app = await StartAsync();
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;

        var first = await tenant.SubmitWebhookAsync("charge-1-paid", "m-42");
        var again = await tenant.SubmitWebhookAsync("charge-1-paid", "m-42");
        var different = await tenant.SubmitWebhookAsync("charge-1-paid", "m-42", data: new { chargeId = "other" });

        var id = await NotificationsHttp.IdOf(first);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal($"/v1/notifications/{id}", first.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, await NotificationsHttp.IdOf(again));
        Assert.Equal(HttpStatusCode.Conflict, different.StatusCode);
        Assert.Equal("application/problem+json", different.Content.Headers.ContentType!.MediaType);
        var problem = await different.ReadJsonAsync();
        Assert.Equal("/problems/idempotency-conflict", problem["type"]!.GetValue<string>());
        await tenant.WaitForFinalAsync(id);
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task Concurrent_submits_of_one_key_create_one_notification()
    {
        await using var app = await StartAsync();
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => tenant.SubmitWebhookAsync("once-only", "m-42"))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        foreach (var other in responses.Where(r => r.StatusCode != HttpStatusCode.Accepted))
        {
            Assert.True(other.StatusCode == HttpStatusCode.OK, $"{(int)other.StatusCode}: {await other.Content.ReadAsStringAsync()}");
        }
        var id = await NotificationsHttp.IdOf(responses[0]);
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(id)).State());
        await Task.Delay(300);
        Assert.Equal(1, receiver.CountFor(id));
    }

    [Fact]
    public async Task Pending_notification_can_be_cancelled_once()
    {
        await using var app = await StartAsync();
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        var id = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("later", "m-42", sendAt: DateTimeOffset.UtcNow.AddMinutes(10)));

        var cancel = await tenant.PostAsync($"/v1/notifications/{id}/cancel", null);
        var again = await tenant.PostAsync($"/v1/notifications/{id}/cancel", null);
        var retry = await tenant.PostAsync($"/v1/notifications/{id}/retry", null);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("CANCELLED", (await cancel.ReadJsonAsync()).State());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        Assert.Equal("CANCELLED", (await tenant.GetNotificationAsync(id)).State());
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task Merchant_without_endpoint_or_subscription_is_not_apply()
    {
        await using var app = await StartAsync();
        var (tenant, receiver) = await MerchantAsync(app, "m-subscribed", ["refund.created"]);
        await using var _ = receiver;

        var noEndpoint = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("n1", "m-nobody"));
        var unsubscribed = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("n2", "m-subscribed", type: "charge.paid"));
        var subscribed = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("n3", "m-subscribed", type: "refund.created"));

        var first = await tenant.WaitForFinalAsync(noEndpoint);
        Assert.Equal("NOT_APPLY", first.State());
        Assert.Contains("no webhook endpoint", first["reason"]!.GetValue<string>());
        Assert.Empty(first.Attempts());
        Assert.Equal("NOT_APPLY", (await tenant.WaitForFinalAsync(unsubscribed)).State());
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(subscribed)).State());
        Assert.Equal([subscribed], receiver.Received.Select(r => r.Id));
    }

    [Fact]
    public async Task Gone_endpoint_is_disabled_until_put_again()
    {
        await using var app = await StartAsync();
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        receiver.Respond = (_, _) => 410;

        var gone = await tenant.WaitForFinalAsync(await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("g1", "m-42")));
        var endpoint = await (await tenant.GetAsync("/v1/merchants/m-42/webhook-endpoint")).ReadJsonAsync();
        var whileDisabled = await tenant.WaitForFinalAsync(await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("g2", "m-42")));

        Assert.Equal("FAILED", gone.State());
        Assert.Single(gone.Attempts());
        Assert.False(endpoint["enabled"]!.GetValue<bool>());
        Assert.Equal("NOT_APPLY", whileDisabled.State());

        receiver.Respond = (_, _) => 200;
        var reenabled = await tenant.PutEndpointAsync("m-42", receiver.Url);
        receiver.Secrets = [reenabled["secret"]!.GetValue<string>()];
        Assert.True(reenabled["enabled"]!.GetValue<bool>());
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("g3", "m-42")))).State());
    }

    [Fact]
    public async Task Endpoint_failing_for_longer_than_the_disable_window_is_disabled()
    {
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:DisableAfter"] = "1s",
            ["Delivery:RetrySchedule"] = "2s",
            ["Delivery:RetryJitter"] = "0",
            ["Delivery:MaxAttempts"] = "5",
        });
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        receiver.Respond = (_, _) => 500;

        var notification = await tenant.WaitForFinalAsync(await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("streak", "m-42")), TimeSpan.FromSeconds(30));
        var endpoint = await (await tenant.GetAsync("/v1/merchants/m-42/webhook-endpoint")).ReadJsonAsync();

        // The first failure starts the streak and cannot end it; the second comes at least the 2 s retry delay later,
        // past the 1 s window however slow the machine, and disables the endpoint, so the third attempt finds nothing
        // enabled to deliver to.
        Assert.Equal("NOT_APPLY", notification.State());
        Assert.Equal(2, notification.Attempts().Count);
        Assert.False(endpoint["enabled"]!.GetValue<bool>());
        Assert.Contains("re-enable it with PUT", endpoint["disabledReason"]!.GetValue<string>());
    }

    [Fact]
    public async Task After_rotation_both_secrets_sign_during_the_overlap()
    {
        await using var app = await StartAsync();
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        var oldSecret = receiver.Secrets[0];

        var rotation = await (await tenant.PostAsync("/v1/merchants/m-42/webhook-endpoint/rotate-secret", null)).ReadJsonAsync();
        var newSecret = rotation["secret"]!.GetValue<string>();
        var id = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("rotated", "m-42"));
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(id)).State());

        var delivery = Assert.Single(receiver.Received);
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(2, delivery.SignatureHeader.Split(' ').Length);
        Assert.Equal(WebhookVerification.Valid, delivery.ValidUnder(oldSecret));
        Assert.Equal(WebhookVerification.Valid, delivery.ValidUnder(newSecret));
        Assert.True(rotation["previousSecretExpiresAt"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow.AddHours(23));
    }

    [Fact]
    public async Task Reconciliation_resumes_a_pending_notification_whose_time_passed_without_a_wake()
    {
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["Reconciliation:Interval"] = "1s",
            ["Reconciliation:StuckAfter"] = "1s",
        });
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        // Scheduled an hour ahead: its activation goes away and nothing in memory waits for it.
        var id = await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync("lost-wake", "m-42", sendAt: DateTimeOffset.UtcNow.AddHours(1)));
        await Eventually.HoldsAsync(async () => !await GrainIsActiveAsync(app, id), TimeSpan.FromSeconds(20), "the scheduled notification's activation went away");

        // Behind the grain's back, its next attempt moves to the past: a time the schedulers have already passed, so only
        // reconciliation finds it.
        var storage = app.Services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(PaymentNotifications.Grains.Storage.StorageNames.Notifications);
        var grainId = Orleans.Runtime.GrainId.Create("notification", id);
        var state = new Orleans.GrainState<NotificationRecord>(new NotificationRecord());
        await storage.ReadStateAsync(NotificationGrain.StateName, grainId, state);
        state.State!.SendAt = state.State.NextAttemptAt = DateTimeOffset.UtcNow.AddSeconds(-30);
        await storage.WriteStateAsync(NotificationGrain.StateName, grainId, state);

        // Nothing reads it meanwhile: any activation (a GET too) would arm the overdue attempt itself.
        var grains = app.Services.GetRequiredService<Orleans.IGrainFactory>();
        async Task<long> ReconciledAsync() => (await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(shard => grains.GetGrain<PaymentNotifications.Grains.Interfaces.Scheduling.ISchedulerGrain>(shard).GetStatus()))).Sum(s => s.Reconciled);
        await Eventually.HoldsAsync(async () => await ReconciledAsync() > 0, TimeSpan.FromSeconds(30), "a reconciliation sweep resumed the notification");
        await Eventually.HoldsAsync(() => receiver.CountFor(id) > 0, TimeSpan.FromSeconds(30), "the resumed notification was delivered");

        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(id)).State());
        Assert.Equal(1, receiver.CountFor(id));
        Assert.Equal(1, await ReconciledAsync());
    }

    private static async Task<bool> GrainIsActiveAsync(SiloApp app, string id)
    {
        var management = app.Services.GetRequiredService<Orleans.IGrainFactory>().GetGrain<Orleans.Runtime.IManagementGrain>(0);
        var active = await management.GetActiveGrains(Orleans.Runtime.GrainType.Create("notification"));
        return active.Contains(Orleans.Runtime.GrainId.Create("notification", id));
    }

    [Fact]
    public async Task Another_tenant_sees_404_for_a_notification_and_an_endpoint()
    {
        await using var app = await StartAsync();
        var (owner, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        var stranger = await app.NewTenantAsync();
        var id = await NotificationsHttp.IdOf(await owner.SubmitWebhookAsync("private", "m-42"));

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/v1/notifications/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/v1/notifications/{id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync("/v1/merchants/m-42/webhook-endpoint")).StatusCode);
        var list = await (await stranger.GetAsync("/v1/notifications")).ReadJsonAsync();
        Assert.Empty(list["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync($"/v1/notifications/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.GetAsync("/v1/admin/dead-letters")).StatusCode);
    }

    [Fact]
    public async Task Invalid_submit_is_a_400_with_field_errors_and_creates_nothing()
    {
        await using var app = await StartAsync();
        var tenant = await app.NewTenantAsync();

        var response = await tenant.PostAsJsonAsync("/v1/notifications", new { idempotencyKey = "bad-1", channel = "webhook", recipient = new { } });
        var malformed = await tenant.PostAsync("/v1/notifications", new StringContent("{\"idempotencyKey\": ", System.Text.Encoding.UTF8, "application/json"));
        var badEnum = await tenant.PostAsync("/v1/notifications", new StringContent("{\"idempotencyKey\":\"k\",\"type\":\"t\",\"channel\":\"fax\"}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadJsonAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("type"));
        Assert.True(errors.ContainsKey("recipient.merchantId"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badEnum.StatusCode);
        Assert.Contains("channel", (await badEnum.ReadJsonAsync())["detail"]!.GetValue<string>());
        var list = await (await tenant.GetAsync("/v1/notifications")).ReadJsonAsync();
        Assert.Empty(list["items"]!.AsArray());
    }

    [Fact]
    public async Task Listing_pages_newest_first_and_filters_by_state()
    {
        await using var app = await StartAsync();
        var (tenant, receiver) = await MerchantAsync(app);
        await using var _ = receiver;
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(await NotificationsHttp.IdOf(await tenant.SubmitWebhookAsync($"list-{i}", i < 5 ? "m-42" : "m-none")));
        }
        foreach (var id in ids)
        {
            await tenant.WaitForFinalAsync(id);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await tenant.GetAsync($"/v1/notifications?limit=3{(cursor is null ? "" : $"&cursor={cursor}")}")).ReadJsonAsync();
            seen.AddRange(page["items"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        var notApply = await (await tenant.GetAsync("/v1/notifications?state=NOT_APPLY")).ReadJsonAsync();
        var badState = await tenant.GetAsync("/v1/notifications?state=DONE");

        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.Equal(ids.Skip(5).Reverse(), notApply["items"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.BadRequest, badState.StatusCode);
    }
}

public sealed class MemoryWebhookDeliveryTests : WebhookDeliveryTests
{
    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

public sealed class PostgresWebhookDeliveryTests : WebhookDeliveryTests
{
    protected override async Task<string?> ConnectionStringAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync("webhooks");
}
