using Orleans;
using Orleans.Concurrency;

namespace PaymentNotifications.Grains.Interfaces.Merchants;

/// <summary>PUT body of a merchant's webhook endpoint.</summary>
[GenerateSerializer, Immutable, Alias("webhook-endpoint-request")]
public sealed record WebhookEndpointRequest
{
    [Id(0)] public string? Url { get; init; }
    [Id(1)] public string? Secret { get; init; }
    [Id(2)] public IReadOnlyList<string>? EventTypes { get; init; }
}

/// <summary>A merchant's webhook endpoint as the API shows it.</summary>
[GenerateSerializer, Immutable, Alias("webhook-endpoint-view")]
public sealed record WebhookEndpointView
{
    [Id(0)] public string Url { get; init; } = "";
    [Id(1)] public string Secret { get; init; } = "";
    [Id(2)] public bool Enabled { get; init; }

    /// <summary>Event types delivered; empty means all.</summary>
    [Id(3)] public IReadOnlyList<string> EventTypes { get; init; } = [];
    [Id(4)] public string? DisabledReason { get; init; }
    [Id(5)] public DateTimeOffset? FailingSince { get; init; }
}

/// <summary>The answer to a secret rotation: the new secret, and until when the previous one still signs.</summary>
[GenerateSerializer, Immutable, Alias("rotated-secret")]
public sealed record RotatedSecret(string Secret, DateTimeOffset PreviousSecretExpiresAt);

/// <summary>A signing secret; one replaced by a rotation signs until <see cref="ExpiresAt"/>.</summary>
[GenerateSerializer, Immutable, Alias("signing-secret")]
public sealed record SigningSecret(string Value, DateTimeOffset? ExpiresAt);

/// <summary>What a delivery needs to send to the endpoint: URL, signing secrets (newest first), filters.</summary>
[GenerateSerializer, Immutable, Alias("webhook-target")]
public sealed record WebhookTarget(string Url, IReadOnlyList<SigningSecret> Secrets, bool Enabled, IReadOnlyList<string> EventTypes, DateTimeOffset? FailingSince)
{
    public bool Accepts(string type) => EventTypes.Count == 0 || EventTypes.Contains(type, StringComparer.Ordinal);

    /// <summary>The secrets that still sign at <paramref name="now"/>.</summary>
    public IEnumerable<string> ActiveSecrets(DateTimeOffset now) => Secrets.Where(s => s.ExpiresAt is null || s.ExpiresAt > now).Select(s => s.Value);
}

/// <summary>A merchant's webhook endpoint, keyed "{tenantId}/{merchantId}".</summary>
[Alias("merchant-endpoint")]
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
