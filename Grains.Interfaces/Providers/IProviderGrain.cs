using System.Text.Json.Serialization;
using PaymentNotifications.Runtime;

namespace PaymentNotifications.Grains.Interfaces.Providers;

/// <summary>A provider's circuit: closed (traffic flows), open (skipped), half-open (probing).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CircuitState>))]
public enum CircuitState
{
    [JsonStringEnumMemberName("closed")] Closed,
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("half-open")] HalfOpen,
}

/// <summary>Who drives the circuit: the breaker, or an operator forcing it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CircuitMode>))]
public enum CircuitMode
{
    [JsonStringEnumMemberName("auto")] Auto,
    [JsonStringEnumMemberName("forced-open")] ForcedOpen,
    [JsonStringEnumMemberName("forced-closed")] ForcedClosed,
}

/// <summary>The cluster-wide circuit as silos apply it locally.</summary>
public sealed record CircuitSnapshot(CircuitState State, CircuitMode Mode, DateTimeOffset? OpenUntil);

/// <summary>One silo's outcomes of calls to a provider since its last report.</summary>
public sealed record ProviderOutcomeBatch(string SiloId, int Successes, int Failures, double TotalLatencyMs);

/// <summary>A provider's circuit and recent health, as operators see it.</summary>
public sealed record ProviderStatusView
{
    public string Name { get; init; } = "";
    public string? Channel { get; init; }
    public CircuitState CircuitState { get; init; }
    public CircuitMode Mode { get; init; }

    /// <summary>Share of successful calls in the sampling window, 0 to 1; null without calls.</summary>
    public double? SuccessRate { get; init; }
    public double? LatencyMs { get; init; }
    public long Calls { get; init; }
    public DateTimeOffset? OpenedAt { get; init; }
    public DateTimeOffset? StateChangedAt { get; init; }
}

/// <summary>
/// The cluster-wide circuit breaker of one provider, keyed by provider name. Silos do not call it
/// per message: they keep a local view and report outcomes in batches about once a second.
/// </summary>
[GrainType("provider")]
public interface IProviderGrain : IGrainWithStringKey
{
    /// <summary>Adds a silo's batch of outcomes and returns the circuit to apply.</summary>
    Task<CircuitSnapshot> Report(ProviderOutcomeBatch batch);

    Task<ProviderStatusView> GetStatus();

    Task<ProviderStatusView> SetMode(CircuitMode mode);
}
