using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Notifications;

/// <summary>
/// Finished notifications lose their data and content under <c>Retention:Critical</c> (critical ones) and
/// <c>Retention:Payload</c> (all); state, attempts and recipient stay. The retention times are set to zero or to
/// days, so what a sweep removes cannot depend on how fast the machine is (the due times themselves are checked in
/// <see cref="Grains.Notifications.RetentionOptionsTests"/>).
/// </summary>
public abstract class RetentionTests
{
    protected abstract Task<string?> ConnectionStringAsync();

    private async Task<(SiloApp App, string? Database)> StartAsync(string critical, string payload)
    {
        var database = await ConnectionStringAsync();
        var app = new SiloApp(database, new Dictionary<string, string?> { ["Retention:Critical"] = critical, ["Retention:Payload"] = payload });
        _ = app.Server;
        return (app, database);
    }

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient tenant, string key, string priority) =>
        tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = key,
            type = priority == "critical" ? "otp.requested" : "charge.paid",
            channel = "webhook",
            priority,
            recipient = new { merchantId = "m-1" },
            data = new { code = "482913", chargeId = key },
        });

    private static Task<int> SweepAsync(SiloApp app) => app.Services.GetRequiredService<IGrainFactory>().GetGrain<IRetentionGrain>(0).Sweep();

    private static async Task<(HttpClient Tenant, WebhookReceiver Receiver)> MerchantAsync(SiloApp app, int status = 200)
    {
        var tenant = await app.NewTenantAsync();
        var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, _) => status;
        receiver.Secrets = [(await tenant.PutEndpointAsync("m-1", receiver.Url))["secret"]!.GetValue<string>()];
        return (tenant, receiver);
    }

    /// <summary>The data as stored in the notifications table, as JSON text ("null" when gone).</summary>
    private static async Task<string> StoredDataAsync(string database, string id)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(payload->'data', 'null'::jsonb)::text FROM notifications WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_finished_critical_notification_loses_its_content_and_keeps_state_attempts_and_recipient()
    {
        var (app, database) = await StartAsync(critical: "0s", payload: "30d");
        await using var _ = app;
        var (tenant, receiver) = await MerchantAsync(app);
        await using var __ = receiver;
        var otp = await NotificationsHttp.IdOf(await SubmitAsync(tenant, "otp-1", "critical"));
        var charge = await NotificationsHttp.IdOf(await SubmitAsync(tenant, "charge-1", "normal"));
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(otp)).State());
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(charge)).State());

        var removed = await SweepAsync(app);
        var removedAgain = await SweepAsync(app);
        var otpAfter = await tenant.GetNotificationAsync(otp);
        var chargeAfter = await tenant.GetNotificationAsync(charge);
        var replay = await SubmitAsync(tenant, "otp-1", "critical");

        Assert.Equal(1, removed);
        Assert.Equal(0, removedAgain);
        Assert.True(otpAfter["contentRemovedAt"]!.GetValue<DateTimeOffset>() >= otpAfter["completedAt"]!.GetValue<DateTimeOffset>());
        Assert.Null(chargeAfter["contentRemovedAt"]);
        Assert.Equal("SUCCESS", otpAfter.State());
        Assert.Single(otpAfter.Attempts());
        Assert.Equal("m-1", otpAfter["recipient"]!["merchantId"]!.GetValue<string>());
        // The same request again is still known as the same notification: its hash was kept.
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        if (database is not null)
        {
            Assert.Equal("null", await StoredDataAsync(database, otp));
            Assert.Contains("482913", await StoredDataAsync(database, charge));
        }
    }

    [Fact]
    public async Task Content_is_kept_until_its_time_and_a_pending_notification_keeps_it_whatever_the_setting()
    {
        var (app, _) = await StartAsync(critical: "1d", payload: "0s");
        await using var __ = app;
        var (tenant, receiver) = await MerchantAsync(app);
        await using var ___ = receiver;
        var otp = await NotificationsHttp.IdOf(await SubmitAsync(tenant, "otp-3", "critical"));
        var charge = await NotificationsHttp.IdOf(await SubmitAsync(tenant, "charge-3", "normal"));
        var later = await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "charge-later",
            type = "charge.paid",
            channel = "webhook",
            recipient = new { merchantId = "m-1" },
            data = new { chargeId = "later" },
            sendAt = DateTimeOffset.UtcNow.AddDays(1),
        });
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(otp)).State());
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(charge)).State());

        var removed = await SweepAsync(app);
        var views = new Dictionary<string, JsonObject>
        {
            ["otp"] = await tenant.GetNotificationAsync(otp),
            ["charge"] = await tenant.GetNotificationAsync(charge),
            ["later"] = await tenant.GetNotificationAsync(await NotificationsHttp.IdOf(later)),
        };

        // Payload 0s removes every finished notification's content, the critical one too: the shorter time wins.
        Assert.Equal(2, removed);
        Assert.NotNull(views["otp"]["contentRemovedAt"]);
        Assert.NotNull(views["charge"]["contentRemovedAt"]);
        Assert.Equal("PENDING", views["later"].State());
        Assert.Null(views["later"]["contentRemovedAt"]);
    }

    [Fact]
    public async Task A_failed_notification_whose_content_is_gone_cannot_be_retried_and_says_why()
    {
        var (app, _) = await StartAsync(critical: "0s", payload: "30d");
        await using var __ = app;
        var (tenant, receiver) = await MerchantAsync(app, status: 400);
        await using var ___ = receiver;
        var otp = await NotificationsHttp.IdOf(await SubmitAsync(tenant, "otp-2", "critical"));
        var charge = await NotificationsHttp.IdOf(await SubmitAsync(tenant, "charge-2", "normal"));
        Assert.Equal("FAILED", (await tenant.WaitForFinalAsync(otp)).State());
        Assert.Equal("FAILED", (await tenant.WaitForFinalAsync(charge)).State());

        await SweepAsync(app);
        var refused = await tenant.PostAsync($"/v1/notifications/{otp}/retry", null);
        var problem = await refused.ReadJsonAsync();
        var kept = await tenant.PostAsync($"/v1/notifications/{charge}/retry", null);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("/problems/content-removed", problem["type"]!.GetValue<string>());
        Assert.Contains("Retention", problem["detail"]!.GetValue<string>());
        Assert.Equal("FAILED", (await tenant.GetNotificationAsync(otp)).State());
        // One whose content is kept is retried as before.
        Assert.Equal(HttpStatusCode.Accepted, kept.StatusCode);
    }
}

public sealed class MemoryRetentionTests : RetentionTests
{
    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

public sealed class PostgresRetentionTests : RetentionTests
{
    protected override async Task<string?> ConnectionStringAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync("retention");
}
