using PaymentNotifications.Grains.Delivery;

namespace PaymentNotifications.Grains.Merchants;

/// <summary>Merchant endpoint lifecycle; bound from "Webhooks". Durations take "24h", "30m" or "1.00:00:00".</summary>
public sealed class WebhookEndpointOptions
{
    /// <summary>How long the previous secret keeps signing after a rotation (<c>Webhooks:SecretRotationOverlap</c>, default 24h).</summary>
    public string SecretRotationOverlap { get; set; } = "24h";

    /// <summary>An endpoint whose every delivery has failed for this long is disabled (<c>Webhooks:DisableAfter</c>, default 24h).</summary>
    public string DisableAfter { get; set; } = "24h";

    /// <summary>
    /// How long a silo delivers with its copy of an endpoint before reading it again (<c>Webhooks:TargetCacheTtl</c>,
    /// default 5s; 0s reads it for every delivery). A change applies at once on the silo that made it.
    /// </summary>
    public string TargetCacheTtl { get; set; } = "5s";
}
