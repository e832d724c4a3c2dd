using System.Text.Json.Serialization;
using Orleans;

namespace PaymentNotifications.Grains.Interfaces.Providers;

/// <summary>A provider's circuit: closed (traffic flows), open (skipped), half-open (probing).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CircuitState>))]
[GenerateSerializer, Alias("circuit-state")]
public enum CircuitState
{
    [JsonStringEnumMemberName("closed")] Closed,
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("half-open")] HalfOpen,
}

/// <summary>Who drives the circuit: the breaker, or an operator forcing it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CircuitMode>))]
[GenerateSerializer, Alias("circuit-mode")]
public enum CircuitMode
{
    [JsonStringEnumMemberName("auto")] Auto,
    [JsonStringEnumMemberName("forced-open")] ForcedOpen,
    [JsonStringEnumMemberName("forced-closed")] ForcedClosed,
}

/// <summary>The cluster-wide circuit as silos apply it locally.</summary>
[GenerateSerializer, Immutable, Alias("circuit-snapshot")]
public sealed record CircuitSnapshot(CircuitState State, CircuitMode Mode, DateTimeOffset? OpenUntil);

/// <summary>One silo's outcomes of calls to a provider since its last report.</summary>
[GenerateSerializer, Immutable, Alias("provider-outcome-batch")]
public sealed record ProviderOutcomeBatch(string SiloId, int Successes, int Failures, double TotalLatencyMs);

/// <summary>A provider's circuit and recent health, as operators see it.</summary>
[GenerateSerializer, Immutable, Alias("provider-status")]
public sealed record ProviderStatusView
{
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public string? Channel { get; init; }
    [Id(2)] public CircuitState CircuitState { get; init; }
    [Id(3)] public CircuitMode Mode { get; init; }

    /// <summary>Share of successful calls in the sampling window, 0 to 1; null without calls.</summary>
    [Id(4)] public double? SuccessRate { get; init; }
    [Id(5)] public double? LatencyMs { get; init; }
    [Id(6)] public long Calls { get; init; }
    [Id(7)] public DateTimeOffset? OpenedAt { get; init; }
    [Id(8)] public DateTimeOffset? StateChangedAt { get; init; }
}

/// <summary>
/// The cluster-wide circuit breaker of one provider, keyed by provider name. Silos do not call it
/// per message: they keep a local view and report outcomes in batches about once a second.
/// </summary>
[Alias("provider")]
public interface IProviderGrain : IGrainWithStringKey
{
    /// <summary>Adds a silo's batch of outcomes and returns the circuit to apply.</summary>
    Task<CircuitSnapshot> Report(ProviderOutcomeBatch batch);

    Task<ProviderStatusView> GetStatus();

    Task<ProviderStatusView> SetMode(CircuitMode mode);

    /// <summary>The circuit a silo applies, without reporting anything.</summary>
    Task<CircuitSnapshot> GetCircuit();
}
