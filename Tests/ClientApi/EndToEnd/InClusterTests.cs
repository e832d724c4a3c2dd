using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Api;
using PaymentNotifications.Api.Validation;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Merchants;
using PaymentNotifications.Grains.Interfaces.Notifications;
using Orleans;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.ClientApi.EndToEnd;

/// <summary>A service next to the silos calls the same operations through grain references, as the README shows.</summary>
public sealed class InClusterTests
{
    [Fact]
    public async Task The_in_cluster_sample_submits_through_an_orleans_client_that_finds_the_silos_in_postgres()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("in-cluster");
        await using var silo = await PaymentNotifications.Tests.Silo.LiveSilo.StartAsync(connectionString: database);
        var (tenantId, tenant) = await silo.NewTenantAsync("sample");
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Secrets = [(await tenant.PutEndpointAsync("m-42", receiver.Url))["secret"]!.GetValue<string>()];

        using var host = PaymentNotifications.InClusterSample.InClusterSender.BuildClient(database);
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        var first = await PaymentNotifications.InClusterSample.InClusterSender.SubmitWebhookAsync(grains, tenantId, "sample-1", "m-42", new { chargeId = "1" });
        var again = await PaymentNotifications.InClusterSample.InClusterSender.SubmitWebhookAsync(grains, tenantId, "sample-1", "m-42", new { chargeId = "1" });
        var conflict = await PaymentNotifications.InClusterSample.InClusterSender.SubmitWebhookAsync(grains, tenantId, "sample-1", "m-42", new { chargeId = "2" });
        var overHttp = await tenant.WaitForFinalAsync(first.Notification!.Id);
        await host.StopAsync();

        Assert.Equal(SubmitStatus.Created, first.Status);
        Assert.Equal(SubmitStatus.Existing, again.Status);
        Assert.Equal(SubmitStatus.Conflict, conflict.Status);
        Assert.Equal("SUCCESS", overHttp.State());
        Assert.Equal(1, receiver.CountFor(first.Notification.Id));
        await Assert.ThrowsAsync<ArgumentException>(() => PaymentNotifications.InClusterSample.InClusterSender.SubmitWebhookAsync(grains, tenantId, "", "m-42", new { }));
    }

    [Fact]
    public async Task Grain_references_reach_the_same_notifications_as_the_http_api()
    {
        await using var app = new SiloApp(null);
        var tenant = await app.NewTenantAsync("in-cluster");
        var tenantId = (await (await app.Admin().GetAsync("/v1/admin/tenants")).ReadJsonAsync())["items"]!.AsArray()
            .Single(t => t!["name"]!.GetValue<string>() == "in-cluster")!["id"]!.GetValue<string>();
        await using var receiver = await WebhookReceiver.StartAsync();
        var grains = app.Services.GetRequiredService<IGrainFactory>();

        var endpointRequest = new WebhookEndpointRequest { Url = receiver.Url };
        Assert.Empty(WebhookEndpointRules.Validate(endpointRequest, app.Services.GetRequiredService<global::PaymentNotifications.Grains.Webhooks.WebhookTargetGuard>()));
        var endpoint = await grains.GetGrain<IMerchantEndpointGrain>(MerchantEndpointKey.For(tenantId, "m-42")).Put(endpointRequest);
        receiver.Secrets = [endpoint.Secret];

        var fields = new NotificationRequestFields
        {
            IdempotencyKey = "charge-8812-paid",
            Type = "charge.paid",
            Channel = "webhook",
            Recipient = new RecipientFields(MerchantId: "m-42"),
            Data = JsonSerializer.SerializeToElement(new { chargeId = "8812", amount = 1500 }),
        };
        Assert.Empty(NotificationRequestRules.Validate(fields, DateTimeOffset.UtcNow));
        var request = NotificationRequestRules.ToRequest(fields);
        var id = NotificationId.For(tenantId, request.IdempotencyKey!);
        var notification = grains.GetGrain<INotificationGrain>(id);
        var submitted = await notification.Submit(tenantId, request, NotificationsApi.RequestHash(request));
        var resubmitted = await notification.Submit(tenantId, request, NotificationsApi.RequestHash(request));
        var overHttp = await tenant.WaitForFinalAsync(id);
        var sameKeyOverHttp = await tenant.SubmitWebhookAsync("charge-8812-paid", "m-42", data: new { chargeId = "8812", amount = 1500 });

        Assert.Equal(SubmitStatus.Created, submitted.Status);
        Assert.Equal(SubmitStatus.Existing, resubmitted.Status);
        Assert.Equal("SUCCESS", overHttp.State());
        Assert.Equal(System.Net.HttpStatusCode.OK, sameKeyOverHttp.StatusCode);
        Assert.Equal(NotificationState.Success, (await notification.Get(tenantId))!.State);
        Assert.Null(await notification.Get("another-tenant"));
        Assert.Equal(CommandStatus.WrongState, (await notification.Cancel(tenantId)).Status);
        var page = await app.Services.GetRequiredService<INotificationQueries>().ListAsync(tenantId, new NotificationFilter(), 10, null, CancellationToken.None);
        Assert.Equal(id, Assert.Single(page.Items).Id);
    }
}
