namespace PaymentNotifications.Client.Models;

/// <summary>A merchant's webhook endpoint as the API stores it.</summary>
public sealed record WebhookEndpoint
{
    /// <summary>Where deliveries are POSTed.</summary>
    public Uri? Url { get; init; }

    /// <summary>The signing secret (<c>whsec_</c> + base64).</summary>
    public string? Secret { get; init; }

    /// <summary>Whether deliveries are made; a merchant without an enabled endpoint gets NOT_APPLY.</summary>
    public bool Enabled { get; init; }

    /// <summary>The event types delivered; empty means all.</summary>
    public IReadOnlyList<string> EventTypes { get; init; } = [];
}

/// <summary>What to store as a merchant's webhook endpoint.</summary>
/// <param name="Url">Where deliveries are POSTed.</param>
public sealed record WebhookEndpointRequest(Uri Url)
{
    /// <summary>The signing secret; the API generates one when null.</summary>
    public string? Secret { get; init; }

    /// <summary>The event types to deliver; all when null.</summary>
    public IReadOnlyList<string>? EventTypes { get; init; }
}

/// <summary>A webhook signing secret, as returned by a rotation.</summary>
public sealed record WebhookSecret
{
    /// <summary>The new secret (<c>whsec_</c> + base64); the old one keeps signing for the overlap.</summary>
    public string Secret { get; init; } = "";
}
