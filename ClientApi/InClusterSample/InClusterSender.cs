using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using PaymentNotifications.Api;
using PaymentNotifications.Api.Validation;
using PaymentNotifications.Grains.Interfaces;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;

namespace PaymentNotifications.InClusterSample;

/// <summary>
/// How a .NET service inside the cluster's network submits notifications without HTTP: an Orleans client that finds the
/// silos' gateways through PostgreSQL, the grain interfaces, and the API's own validation and request hash, so that a
/// resubmission gets the same answer as over HTTP.
/// </summary>
public static class InClusterSender
{
    /// <summary>An Orleans client of the cluster whose membership is in <paramref name="postgres"/> (ids as the silos have them).</summary>
    public static IHost BuildClient(string postgres, string serviceId = "notifications", string clusterId = "notifications")
    {
        var builder = Host.CreateApplicationBuilder();
        var dataSource = NpgsqlDataSource.Create(postgres);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (serviceId, clusterId));
            client.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.DataSource = dataSource; });
            client.Services.AddNotificationContracts();
        });
        return builder.Build();
    }

    /// <summary>
    /// Submits a webhook notification for the tenant's merchant and returns what the grain answered: Created, Existing
    /// (the same key and body again) or Conflict (the same key, another body). Invalid fields throw with the field errors.
    /// </summary>
    public static async Task<SubmitOutcome> SubmitWebhookAsync(IGrainFactory grains, string tenantId, string idempotencyKey, string merchantId, object data)
    {
        var fields = new NotificationRequestFields
        {
            IdempotencyKey = idempotencyKey,
            Type = "charge.paid",
            Channel = "webhook",
            Recipient = new RecipientFields(MerchantId: merchantId),
            Data = JsonSerializer.SerializeToElement(data),
        };
        var errors = NotificationRequestRules.Validate(fields, DateTimeOffset.UtcNow);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")), nameof(data));
        }
        var request = NotificationRequestRules.ToRequest(fields);
        var notification = grains.GetGrain<INotificationGrain>(NotificationId.For(tenantId, request.IdempotencyKey!));
        return await notification.Submit(tenantId, request, NotificationsApi.RequestHash(request));
    }

    /// <summary>The notification as the tenant sees it, or null.</summary>
    public static Task<NotificationView?> GetAsync(IGrainFactory grains, string tenantId, string id) =>
        grains.GetGrain<INotificationGrain>(id).Get(tenantId);
}
