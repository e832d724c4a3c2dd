using PaymentNotifications.Client.Models;

namespace PaymentNotifications.Client.Http;

/// <summary>Body of <c>POST /v1/admin/tenants</c>.</summary>
internal sealed record CreateTenantRequest(string Name);

/// <summary>Body of <c>POST /v1/admin/providers/{name}/circuit</c>.</summary>
internal sealed record CircuitModeRequest(CircuitMode Mode);

/// <summary>Body of <c>POST /v1/admin/dead-letters/replay</c>: either ids or a since instant.</summary>
internal sealed record DeadLetterReplayRequest(IReadOnlyList<string>? Ids, DateTimeOffset? Since);
