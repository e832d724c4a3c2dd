using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Interfaces.Providers;
using Orleans;
using Orleans.Runtime;

namespace PaymentNotifications.Grains.Providers;

/// <summary>
/// This silo's view of every provider's circuit: decides locally whether a call may go, counts
/// outcomes, and (through <see cref="ProviderCircuitReporter"/>) trades the counts for the
/// cluster-wide state about twice a second, so no provider grain is called per message.
/// </summary>
public sealed class ProviderCircuits(IEnumerable<Channels.IProviderAdapter> adapters, TimeProvider time, IOptions<BreakerOptions> options)
{
    private sealed class Local
    {
        public CircuitSnapshot Snapshot = new(CircuitState.Closed, CircuitMode.Auto, null);
        public int Successes;
        public int Failures;
        public long LatencyMicros;
        public long LastProbe;
    }

    // Every configured provider is known from the start, so operators see and steer it before it carries traffic.
    private readonly ConcurrentDictionary<string, Local> _providers = new(adapters.Select(a => KeyValuePair.Create(a.Name, new Local())), StringComparer.Ordinal);
    private readonly TimeSpan _probeInterval = DurationText.Parse(options.Value.ProbeInterval);

    public IEnumerable<string> Providers => _providers.Keys;

    public CircuitSnapshot SnapshotOf(string provider) => _providers.GetOrAdd(provider, _ => new Local()).Snapshot;

    /// <summary>Whether a call to the provider may go now: always when closed, never when open, one probe per interval when half-open.</summary>
    public bool TryAcquire(string provider)
    {
        var local = _providers.GetOrAdd(provider, _ => new Local());
        var snapshot = local.Snapshot;
        var probing = snapshot.State == CircuitState.HalfOpen
            || (snapshot.State == CircuitState.Open && snapshot.Mode == CircuitMode.Auto && snapshot.OpenUntil <= time.GetUtcNow());
        if (snapshot.State == CircuitState.Closed)
        {
            return true;
        }
        if (!probing)
        {
            return false;
        }
        var last = Interlocked.Read(ref local.LastProbe);
        var now = time.GetTimestamp();
        return (last == 0 || time.GetElapsedTime(last) >= _probeInterval) && Interlocked.CompareExchange(ref local.LastProbe, now, last) == last;
    }

    public void Record(string provider, bool success, TimeSpan latency)
    {
        var local = _providers.GetOrAdd(provider, _ => new Local());
        if (success)
        {
            Interlocked.Increment(ref local.Successes);
        }
        else
        {
            Interlocked.Increment(ref local.Failures);
        }
        Interlocked.Add(ref local.LatencyMicros, (long)(latency.TotalMilliseconds * 1000));
    }

    /// <summary>Takes the counts gathered since the last call.</summary>
    internal (int Successes, int Failures, double LatencyMs) Drain(string provider)
    {
        var local = _providers.GetOrAdd(provider, _ => new Local());
        return (Interlocked.Exchange(ref local.Successes, 0), Interlocked.Exchange(ref local.Failures, 0),
            Interlocked.Exchange(ref local.LatencyMicros, 0) / 1000.0);
    }

    /// <summary>Takes the cluster-wide circuit of a provider as this silo's view.</summary>
    public void Apply(string provider, CircuitSnapshot snapshot) => _providers.GetOrAdd(provider, _ => new Local()).Snapshot = snapshot;
}

/// <summary>Sends each provider's outcome counts to its grain and applies the answer, every report interval.</summary>
public sealed class ProviderCircuitReporter(
    ProviderCircuits circuits,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    TimeProvider time,
    IOptions<BreakerOptions> options,
    ILogger<ProviderCircuitReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = DurationText.Parse(options.Value.ReportInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                await ReportAllAsync();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Provider circuit report failed; the last known states stay in force");
            }
        }
    }

    /// <summary>One round of reports, one grain call per provider.</summary>
    public async Task ReportAllAsync()
    {
        await Task.WhenAll(circuits.Providers.ToList().Select(async provider =>
        {
            var (successes, failures, latency) = circuits.Drain(provider);
            var snapshot = await grains.GetGrain<IProviderGrain>(provider).Report(new ProviderOutcomeBatch(silo.SiloAddress.ToParsableString(), successes, failures, latency));
            circuits.Apply(provider, snapshot);
        }));
    }
}
