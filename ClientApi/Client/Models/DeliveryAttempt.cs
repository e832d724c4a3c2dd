namespace PaymentNotifications.Client.Models;

/// <summary>One call to a provider while delivering a notification.</summary>
public sealed record DeliveryAttempt
{
    /// <summary>1 for the first attempt.</summary>
    public int Number { get; init; }

    /// <summary>The provider called, e.g. <c>webhook</c> or <c>twilio</c>.</summary>
    public string Provider { get; init; } = "";

    /// <summary>When the call started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>How long the call took.</summary>
    public long DurationMs { get; init; }

    /// <summary>How it ended as the API names it, e.g. <c>failed</c>.</summary>
    public string Outcome { get; init; } = "";

    /// <summary>The provider's HTTP status code, when it answered.</summary>
    public int? StatusCode { get; init; }

    /// <summary>What went wrong, when it failed.</summary>
    public string? Error { get; init; }
}
