using System.Text.Json;
using System.Text.Json.Serialization;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Merchants;
using PaymentNotifications.Grains.Merchants;
using PaymentNotifications.Grains.Notifications;

namespace PaymentNotifications.Grains.Storage;

/// <summary>Source-generated JSON for stored domain state and grain-call contracts.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NotificationRecord))]
[JsonSerializable(typeof(MerchantEndpointState))]
[JsonSerializable(typeof(NotificationRequest))]
[JsonSerializable(typeof(NotificationView))]
[JsonSerializable(typeof(SubmitOutcome))]
[JsonSerializable(typeof(CommandOutcome))]
[JsonSerializable(typeof(WebhookEndpointRequest))]
[JsonSerializable(typeof(WebhookEndpointView))]
[JsonSerializable(typeof(WebhookTarget))]
[JsonSerializable(typeof(RotatedSecret))]
[JsonSerializable(typeof(Providers.ProviderCircuitState))]
[JsonSerializable(typeof(Users.UserState))]
[JsonSerializable(typeof(Templates.TemplateState))]
public sealed partial class DomainJsonContext : JsonSerializerContext;
