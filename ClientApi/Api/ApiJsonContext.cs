using System.Text.Json;
using System.Text.Json.Serialization;
using PaymentNotifications.Api.Validation;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Merchants;

namespace PaymentNotifications.Api;

/// <summary>Source-generated JSON for the API's request and response bodies.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never, AllowDuplicateProperties = false,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(NotificationRequest))]
[JsonSerializable(typeof(NotificationRequestFields))]
[JsonSerializable(typeof(NotificationView))]
[JsonSerializable(typeof(NotificationListResponse))]
[JsonSerializable(typeof(TemplateListResponse))]
[JsonSerializable(typeof(MerchantListResponse))]
[JsonSerializable(typeof(UserListResponse))]
[JsonSerializable(typeof(WebhookEndpointRequest))]
[JsonSerializable(typeof(WebhookEndpointView))]
[JsonSerializable(typeof(RotatedSecret))]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(CreatedTenantResponse))]
[JsonSerializable(typeof(TenantView))]
[JsonSerializable(typeof(TenantListResponse))]
[JsonSerializable(typeof(ApiKeyView))]
[JsonSerializable(typeof(ApiKeyListResponse))]
[JsonSerializable(typeof(CreatedApiKeyResponse))]
[JsonSerializable(typeof(ReplayRequest))]
[JsonSerializable(typeof(ReplayResponse))]
[JsonSerializable(typeof(Grains.Interfaces.Users.UserPreferencesView))]
[JsonSerializable(typeof(Grains.Interfaces.Templates.TemplateContent))]
[JsonSerializable(typeof(Grains.Interfaces.Templates.TemplateVariant))]
[JsonSerializable(typeof(IReadOnlyList<Grains.Interfaces.Templates.TemplateVariant>))]
[JsonSerializable(typeof(Grains.Interfaces.Templates.RenderedMessage))]
[JsonSerializable(typeof(TemplatePreviewRequest))]
[JsonSerializable(typeof(CircuitModeRequest))]
[JsonSerializable(typeof(QuotasResponse))]
[JsonSerializable(typeof(ProvidersResponse))]
[JsonSerializable(typeof(Grains.Interfaces.Providers.ProviderStatusView))]
public sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary>A page of notifications, newest first; <c>nextCursor</c> is null on the last page.</summary>
public sealed record NotificationListResponse(IReadOnlyList<NotificationView> Items, string? NextCursor);

/// <summary>A stored template as listed: its name (<c>GET /v1/templates/{name}</c> reads its variants).</summary>
public sealed record TemplateListItem(string Name);

/// <summary>A page of the tenant's templates by name; <c>nextCursor</c> is null on the last page.</summary>
public sealed record TemplateListResponse(IReadOnlyList<TemplateListItem> Items, string? NextCursor);

/// <summary>A merchant with a webhook endpoint, as listed (<c>GET /v1/merchants/{merchantId}/webhook-endpoint</c> reads it).</summary>
public sealed record MerchantListItem(string MerchantId);

/// <summary>A page of the tenant's merchants with a webhook endpoint, by id; <c>nextCursor</c> is null on the last page.</summary>
public sealed record MerchantListResponse(IReadOnlyList<MerchantListItem> Items, string? NextCursor);

/// <summary>A user with stored preferences, as listed (<c>GET /v1/users/{userId}/preferences</c> reads them).</summary>
public sealed record UserListItem(string UserId);

/// <summary>A page of the tenant's users with stored preferences, by id; <c>nextCursor</c> is null on the last page.</summary>
public sealed record UserListResponse(IReadOnlyList<UserListItem> Items, string? NextCursor);

/// <summary>Body of <c>POST /v1/admin/tenants</c>.</summary>
public sealed record CreateTenantRequest(string? Name);

/// <summary>A tenant just created, with its first API key (shown only here).</summary>
public sealed record CreatedTenantResponse(string Id, string Name, string ApiKey);

/// <summary>A tenant as listed.</summary>
public sealed record TenantView(string Id, string Name, DateTimeOffset CreatedAt);

/// <summary>Every tenant, oldest first.</summary>
public sealed record TenantListResponse(IReadOnlyList<TenantView> Items);

/// <summary>An API key as listed: its id and the first characters of the key, never the key.</summary>
public sealed record ApiKeyView(string Id, string TenantId, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A tenant's API keys, revoked ones included, oldest first.</summary>
public sealed record ApiKeyListResponse(IReadOnlyList<ApiKeyView> Items);

/// <summary>A key just created; <c>apiKey</c> is shown only in this answer.</summary>
public sealed record CreatedApiKeyResponse(string Id, string TenantId, string Prefix, DateTimeOffset CreatedAt, string ApiKey);

/// <summary>Dead letters to replay: by id, or every one that failed since a time (optionally of one tenant).</summary>
public sealed record ReplayRequest(IReadOnlyList<string>? Ids, DateTimeOffset? Since, string? TenantId);

/// <summary>How many went back to PENDING, and the ids that did not (unknown, or no longer FAILED).</summary>
public sealed record ReplayResponse(int Replayed, IReadOnlyList<string> NotReplayed);
