using PaymentNotifications.Runtime;

namespace PaymentNotifications.Grains.Interfaces.Merchants;

/// <summary>PUT body of a merchant's webhook endpoint.</summary>
public sealed record WebhookEndpointRequest
{
    public string? Url { get; init; }
    public string? Secret { get; init; }
    public IReadOnlyList<string>? EventTypes { get; init; }
}

/// <summary>A merchant's webhook endpoint as the API shows it.</summary>
public sealed record WebhookEndpointView
{
    public string Url { get; init; } = "";
    public string Secret { get; init; } = "";
    public bool Enabled { get; init; }

    /// <summary>Event types delivered; empty means all.</summary>
    public IReadOnlyList<string> EventTypes { get; init; } = [];
    public string? DisabledReason { get; init; }
    public DateTimeOffset? FailingSince { get; init; }
}

/// <summary>The answer to a secret rotation: the new secret, and until when the previous one still signs.</summary>
public sealed record RotatedSecret(string Secret, DateTimeOffset PreviousSecretExpiresAt);

/// <summary>A signing secret; one replaced by a rotation signs until <see cref="ExpiresAt"/>.</summary>
public sealed record SigningSecret(string Value, DateTimeOffset? ExpiresAt);

/// <summary>What a delivery needs to send to the endpoint: URL, signing secrets (newest first), filters.</summary>
public sealed record WebhookTarget(string Url, IReadOnlyList<SigningSecret> Secrets, bool Enabled, IReadOnlyList<string> EventTypes, DateTimeOffset? FailingSince)
{
    public bool Accepts(string type) => EventTypes.Count == 0 || EventTypes.Contains(type, StringComparer.Ordinal);

    /// <summary>The secrets that still sign at <paramref name="now"/>.</summary>
    public IEnumerable<string> ActiveSecrets(DateTimeOffset now) => Secrets.Where(s => s.ExpiresAt is null || s.ExpiresAt > now).Select(s => s.Value);
}

/// <summary>A merchant's webhook endpoint, keyed "{tenantId}/{merchantId}".</summary>
[GrainType("merchant-endpoint")]
public interface IMerchantEndpointGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the endpoint (re-enabling a disabled one); a secret is generated when none is given.</summary>
    Task<WebhookEndpointView> Put(WebhookEndpointRequest request);

    Task<WebhookEndpointView?> Get();

    Task<bool> Delete();

    /// <summary>Makes a new signing secret; the previous one keeps signing until the overlap ends. Null when there is no endpoint.</summary>
    Task<RotatedSecret?> RotateSecret();

    /// <summary>The delivery target; read without waiting for a turn (it is an immutable snapshot).</summary>
    [AlwaysInterleave]
    Task<WebhookTarget?> GetTarget();

    /// <summary>Records a delivery outcome: failures start or extend a failing streak that disables the endpoint when sustained.</summary>
    Task ReportDelivery(bool succeeded, bool disableNow, string? error);
}

public static class MerchantEndpointKey
{
    public static string For(string tenantId, string merchantId) => $"{tenantId}/{merchantId}";
}
