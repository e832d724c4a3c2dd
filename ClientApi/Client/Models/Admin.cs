namespace PaymentNotifications.Client.Models;

/// <summary>A tenant just created, with its API key (shown only in this answer).</summary>
public sealed record CreatedTenant
{
    /// <summary>The tenant id.</summary>
    public string Id { get; init; } = "";

    /// <summary>The tenant name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The tenant's API key; the API keeps only its hash.</summary>
    public string ApiKey { get; init; } = "";
}

/// <summary>The cluster as the answering silo sees it.</summary>
public sealed record ClusterView
{
    /// <summary>The silos in Orleans' membership.</summary>
    public IReadOnlyList<SiloView> Silos { get; init; } = [];
}

/// <summary>One silo of the cluster.</summary>
public sealed record SiloView
{
    /// <summary>The silo id.</summary>
    public string Id { get; init; } = "";

    /// <summary>Where other silos reach it.</summary>
    public string Address { get; init; } = "";

    /// <summary>Its membership status as the API names it, e.g. <c>active</c>.</summary>
    public string Status { get; init; } = "";

    /// <summary>How many grain activations it holds; null when the silo has published no recent figures.</summary>
    public long? Activations { get; init; }
}


/// <summary>A provider's circuit and recent health.</summary>
public sealed record ProviderStatus
{
    /// <summary>The provider name, e.g. <c>twilio</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>The channel it serves.</summary>
    public Channel? Channel { get; init; }

    /// <summary>Its circuit breaker's state.</summary>
    public CircuitState CircuitState { get; init; }

    /// <summary>How its breaker is driven.</summary>
    public CircuitMode Mode { get; init; }

    /// <summary>Recent share of successful calls, 0 to 1.</summary>
    public double? SuccessRate { get; init; }

    /// <summary>Recent call latency.</summary>
    public double? LatencyMs { get; init; }
}

/// <summary>Filters for listing dead letters (FAILED notifications); null filters are not applied.</summary>
public sealed record DeadLetterQuery
{
    /// <summary>Only this tenant's dead letters.</summary>
    public string? TenantId { get; init; }

    /// <summary>Only dead letters on this channel.</summary>
    public Channel? Channel { get; init; }

    /// <summary>Only dead letters of this event type.</summary>
    public string? Type { get; init; }

    /// <summary>Only dead letters that failed at or after this instant.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Page size; the API's default when null.</summary>
    public int? Limit { get; init; }
}

/// <summary>The answer to a dead-letter replay.</summary>
public sealed record DeadLetterReplay
{
    /// <summary>How many went back to PENDING; null when the API did not say.</summary>
    public int? Replayed { get; init; }
}
