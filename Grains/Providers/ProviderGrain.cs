using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Interfaces.Providers;
using Orleans;
using Orleans.Runtime;
using PaymentNotifications.Grains.Storage;

namespace PaymentNotifications.Grains.Providers;

/// <summary>The durable part of a provider's circuit: operator mode and the breaker's state.</summary>
public sealed class ProviderCircuitState
{
    public CircuitMode Mode { get; set; }
    public CircuitState State { get; set; }
    public DateTimeOffset? OpenedAt { get; set; }
    public DateTimeOffset? OpenUntil { get; set; }
    public DateTimeOffset? StateChangedAt { get; set; }
}

/// <summary>
/// One provider's cluster-wide circuit breaker. Hand-written rather than Polly's breaker because
/// its state is shared by every silo: silos report outcome counts in batches, and the grain opens
/// the circuit when failures pass the ratio, half-opens it after the break, and closes it when a
/// probe succeeds. State changes are persisted; the sampling window lives in memory.
/// </summary>
[GrainType("provider")]
public sealed class ProviderGrain(
    [PersistentState("provider-circuit", StorageNames.Grains)] IPersistentState<ProviderCircuitState> circuit,
    TimeProvider time,
    IOptions<BreakerOptions> options,
    ILogger<ProviderGrain> logger) : Grain, IProviderGrain
{
    private ProviderCircuitState State => circuit.State;

    private readonly Queue<(DateTimeOffset At, int Successes, int Failures, double LatencyMs)> _window = new();
    private readonly TimeSpan _samplingWindow = DurationText.Parse(options.Value.SamplingWindow);
    private readonly TimeSpan _breakDuration = DurationText.Parse(options.Value.BreakDuration);

    public async Task<CircuitSnapshot> Report(ProviderOutcomeBatch batch)
    {
        var now = time.GetUtcNow();
        if (batch.Successes + batch.Failures > 0)
        {
            _window.Enqueue((now, batch.Successes, batch.Failures, batch.TotalLatencyMs));
        }
        Prune(now);
        var before = State.State;
        switch (State.State)
        {
            case CircuitState.Closed when ShouldOpen():
                Open(now, "failure ratio reached");
                break;
            case CircuitState.Open when now >= State.OpenUntil:
                State.State = CircuitState.HalfOpen;
                break;
            case CircuitState.HalfOpen when batch.Failures > 0:
                Open(now, "probe failed");
                break;
            case CircuitState.HalfOpen when batch.Successes > 0:
                State.State = CircuitState.Closed;
                State.OpenUntil = null;
                _window.Clear();
                logger.LogInformation("Circuit of provider {Provider} closed after a successful probe", this.GetPrimaryKeyString());
                break;
        }
        if (State.State != before)
        {
            State.StateChangedAt = now;
            await circuit.WriteStateAsync();
        }
        return Snapshot();
    }

    public Task<CircuitSnapshot> GetCircuit() => Task.FromResult(Snapshot());

    public Task<ProviderStatusView> GetStatus()
    {
        Prune(time.GetUtcNow());
        return Task.FromResult(View());
    }

    public async Task<ProviderStatusView> SetMode(CircuitMode mode)
    {
        State.Mode = mode;
        if (mode == CircuitMode.Auto && State.State == CircuitState.Open && State.OpenUntil is null)
        {
            State.OpenUntil = time.GetUtcNow();
        }
        await circuit.WriteStateAsync();
        logger.LogWarning("Circuit of provider {Provider} set to {Mode} by an operator", this.GetPrimaryKeyString(), mode);
        return View();
    }

    private bool ShouldOpen()
    {
        var successes = _window.Sum(w => w.Successes);
        var failures = _window.Sum(w => w.Failures);
        var calls = successes + failures;
        return calls >= options.Value.MinimumThroughput && failures >= calls * options.Value.FailureRatio;
    }

    private void Open(DateTimeOffset now, string why)
    {
        State.State = CircuitState.Open;
        State.OpenedAt = now;
        State.OpenUntil = now + _breakDuration;
        _window.Clear();
        logger.LogWarning("Circuit of provider {Provider} opened: {Why}", this.GetPrimaryKeyString(), why);
    }

    private void Prune(DateTimeOffset now)
    {
        while (_window.Count > 0 && _window.Peek().At < now - _samplingWindow)
        {
            _window.Dequeue();
        }
    }

    private CircuitState Effective => State.Mode switch
    {
        CircuitMode.ForcedOpen => CircuitState.Open,
        CircuitMode.ForcedClosed => CircuitState.Closed,
        _ => State.State,
    };

    private CircuitSnapshot Snapshot() => new(Effective, State.Mode, State.Mode == CircuitMode.Auto ? State.OpenUntil : null);

    private ProviderStatusView View()
    {
        var successes = _window.Sum(w => w.Successes);
        var calls = successes + _window.Sum(w => w.Failures);
        return new ProviderStatusView
        {
            Name = this.GetPrimaryKeyString(),
            Channel = ProviderNames.ChannelOf(this.GetPrimaryKeyString()),
            CircuitState = Effective,
            Mode = State.Mode,
            SuccessRate = calls == 0 ? null : (double)successes / calls,
            LatencyMs = calls == 0 ? null : _window.Sum(w => w.LatencyMs) / calls,
            Calls = calls,
            OpenedAt = State.OpenedAt,
            StateChangedAt = State.StateChangedAt,
        };
    }
}

/// <summary>The providers this product knows, by channel.</summary>
public static class ProviderNames
{
    public static readonly IReadOnlyDictionary<string, string> Channels = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["twilio"] = "sms",
        ["vonage"] = "sms",
        ["sendgrid"] = "email",
        ["mailgun"] = "email",
        ["fcm"] = "push",
        ["apns"] = "push",
        ["webhook"] = "webhook",
    };

    public static string? ChannelOf(string provider) => Channels.GetValueOrDefault(provider);
}
