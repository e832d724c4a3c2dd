using System.Text.Json;
using System.Text.Json.Serialization;
using Notifications.Orleans.Grains.Interfaces.Contracts;
using Notifications.Orleans.Grains.Interfaces.Merchants;

namespace Notifications.Orleans.Api;

/// <summary>Source-generated JSON for the API's request and response bodies.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(NotificationRequest))]
[JsonSerializable(typeof(NotificationView))]
[JsonSerializable(typeof(NotificationListResponse))]
[JsonSerializable(typeof(WebhookEndpointRequest))]
[JsonSerializable(typeof(WebhookEndpointView))]
[JsonSerializable(typeof(RotatedSecret))]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(CreatedTenantResponse))]
[JsonSerializable(typeof(ReplayRequest))]
[JsonSerializable(typeof(ReplayResponse))]
[JsonSerializable(typeof(Grains.Interfaces.Users.UserPreferencesView))]
[JsonSerializable(typeof(Grains.Interfaces.Templates.TemplateContent))]
[JsonSerializable(typeof(Grains.Interfaces.Templates.TemplateVariant))]
[JsonSerializable(typeof(IReadOnlyList<Grains.Interfaces.Templates.TemplateVariant>))]
[JsonSerializable(typeof(Grains.Interfaces.Templates.RenderedMessage))]
[JsonSerializable(typeof(TemplatePreviewRequest))]
[JsonSerializable(typeof(CircuitModeRequest))]
[JsonSerializable(typeof(ProvidersResponse))]
[JsonSerializable(typeof(Grains.Interfaces.Providers.ProviderStatusView))]
public sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary>A page of notifications, newest first.</summary>
public sealed record NotificationListResponse(IReadOnlyList<NotificationView> Items, string? NextCursor);

public sealed record CreateTenantRequest(string? Name);

public sealed record CreatedTenantResponse(string Id, string Name, string ApiKey);

/// <summary>Dead letters to replay: by id, or every one that failed since a time.</summary>
public sealed record ReplayRequest(IReadOnlyList<string>? Ids, DateTimeOffset? Since, string? TenantId);

public sealed record ReplayResponse(int Replayed, IReadOnlyList<string> NotReplayed);
