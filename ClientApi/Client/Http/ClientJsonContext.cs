using System.Text.Json;
using System.Text.Json.Serialization;
using PaymentNotifications.Client.Models;

namespace PaymentNotifications.Client.Http;

/// <summary>Source-generated JSON metadata for every type on the wire: camelCase, nulls left out, unknown fields skipped.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(NotificationRequest))]
[JsonSerializable(typeof(Notification))]
[JsonSerializable(typeof(NotificationPage))]
[JsonSerializable(typeof(WebhookEndpointRequest))]
[JsonSerializable(typeof(WebhookEndpoint))]
[JsonSerializable(typeof(WebhookSecret))]
[JsonSerializable(typeof(UserPreferences))]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(CreatedTenant))]
[JsonSerializable(typeof(ClusterView))]
[JsonSerializable(typeof(ProviderStatus))]
[JsonSerializable(typeof(IReadOnlyList<ProviderStatus>))]
[JsonSerializable(typeof(CircuitModeRequest))]
[JsonSerializable(typeof(DeadLetterReplayRequest))]
[JsonSerializable(typeof(DeadLetterReplay))]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(NotificationState))]
[JsonSerializable(typeof(Channel))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
