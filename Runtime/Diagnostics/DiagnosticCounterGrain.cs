using PaymentNotifications.Runtime.Membership;

namespace PaymentNotifications.Runtime.Diagnostics;

/// <summary>
/// A durable counter for checking a running cluster (failover drills, latency checks): registered only
/// when <c>Cluster:DiagnosticGrains</c> is true. Not part of any product feature.
/// </summary>
[GrainType("rt.diagnostic-counter")]
public interface IDiagnosticCounterGrain : IGrainWithStringKey
{
    /// <summary>Adds one and persists it before answering.</summary>
    Task<DiagnosticCount> Increment();

    /// <summary>The persisted value, and which silo answered.</summary>
    Task<DiagnosticCount> Get();
}

/// <summary>A counter's value and the silo whose activation answered.</summary>
public sealed record DiagnosticCount(long Value, string SiloId);

/// <summary>The state of a <see cref="IDiagnosticCounterGrain"/>.</summary>
public sealed class DiagnosticCounterState
{
    public long Value { get; set; }
}

/// <summary>The activation behind <see cref="IDiagnosticCounterGrain"/>.</summary>
public sealed class DiagnosticCounterGrain(PartitionOwnership ownership) : Grain<DiagnosticCounterState>, IDiagnosticCounterGrain
{
    public async Task<DiagnosticCount> Increment()
    {
        State.Value++;
        await WriteStateAsync();
        return new DiagnosticCount(State.Value, ownership.SiloId);
    }

    public Task<DiagnosticCount> Get() => Task.FromResult(new DiagnosticCount(State.Value, ownership.SiloId));
}
