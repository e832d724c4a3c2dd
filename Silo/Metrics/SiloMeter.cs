using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Interfaces.Providers;
using PaymentNotifications.Grains.Providers;
using Orleans.Runtime;
using PaymentNotifications.Grains.Notifications;
using PaymentNotifications.Silo.Operations;

namespace PaymentNotifications.Silo.Metrics;

/// <summary>
/// Observable instruments over the silo's figures (membership, attempt timers, circuits) and the
/// cluster-wide backlog, on the meter "PaymentNotifications.Silo"; Orleans' own meter "Microsoft.Orleans"
/// gives activations, messaging and membership in detail.
/// </summary>
public sealed class SiloMeter : IDisposable
{
    public const string MeterName = "PaymentNotifications.Silo";

    // Backlog figures older than this are not reported: a stale queue depth is worse than none.
    private static readonly TimeSpan BacklogStaleAfter = TimeSpan.FromMinutes(1);

    private readonly Meter _meter;

    public SiloMeter(IMeterFactory meterFactory, SiloIdentity identity, IClusterMembershipService membership, BacklogSnapshot backlog,
        ProviderCircuits circuits, NotificationMetrics notifications, TimeProvider time)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableGauge("notifications.silo.start_time", () => new Measurement<double>(identity.StartedAt.ToUnixTimeMilliseconds() / 1000.0,
            new KeyValuePair<string, object?>("silo_id", identity.Id)), unit: "s", description: "When this silo started, unix time.");
        _meter.CreateObservableGauge("notifications.cluster.silos", () => membership.CurrentSnapshot.Members.Values
                .GroupBy(m => m.Status.ToString().ToLowerInvariant())
                .Select(g => new Measurement<long>(g.Count(), new KeyValuePair<string, object?>("status", g.Key))),
            description: "Silos in Orleans' membership as this silo last read it, by status (joining, active, shuttingdown, stopping, dead).");
        _meter.CreateObservableCounter("notifications.reminders.fired", () => notifications.AttemptsStarted,
            description: "Attempts this silo's notification timers started.");
        _meter.CreateObservableCounter("notifications.reminders.failed", () => notifications.AttemptsFailedUnexpectedly,
            description: "Attempts on this silo that ended in an unexpected exception (retried on the schedule).");
        _meter.CreateObservableGauge("notifications.reminders.lag", () => notifications.LastAttemptLateness.TotalSeconds, unit: "s",
            description: "How late after its due time the latest attempt on this silo started.");

        // The circuits as this silo applies them (its local view of each provider grain's breaker).
        _meter.CreateObservableGauge("notifications.provider.circuit.open", () => circuits.Providers.Select(p =>
                new Measurement<long>(circuits.SnapshotOf(p).State == CircuitState.Open ? 1 : 0, new KeyValuePair<string, object?>("provider", p))),
            description: "1 while the provider's circuit is open (by the breaker or forced), else 0.");
        _meter.CreateObservableGauge("notifications.provider.circuit.state", () => circuits.Providers.Select(p =>
            {
                var snapshot = circuits.SnapshotOf(p);
                return new Measurement<long>(1, new("provider", p), new("state", Wire(snapshot.State)), new("mode", Wire(snapshot.Mode)));
            }),
            description: "The provider's circuit state (closed, open, half-open) and mode (auto, forced-open, forced-closed); always 1.");

        IEnumerable<Measurement<T>> Backlog<T>(Func<BacklogFigures, T?> read) where T : struct
        {
            if (backlog.Current is { } figures && time.GetUtcNow() - figures.ReadAt < BacklogStaleAfter && read(figures) is { } value)
            {
                yield return new Measurement<T>(value);
            }
        }
        _meter.CreateObservableGauge("notifications.reminders.due", () => Backlog<long>(f => f.Notifications.Overdue),
            description: "Attempts due now across the cluster that have not started (PENDING notifications past their next attempt).");
        _meter.CreateObservableGauge("notifications.reminders.backlog.age",
            () => Backlog<double>(f => f.Notifications.OldestOverdueAt is { } due ? Math.Max(0, (f.ReadAt - due).TotalSeconds) : 0),
            unit: "s", description: "How late the oldest due attempt of the cluster is.");
        _meter.CreateObservableGauge("notifications.queue.pending", () => Backlog<long>(f => f.Notifications.ByState.GetValueOrDefault("PENDING")),
            description: "PENDING notifications, deferred and throttled ones included.");
        _meter.CreateObservableGauge("notifications.queue.overdue", () => Backlog<long>(f => f.Notifications.Overdue),
            description: "PENDING notifications whose next attempt is due but has not been made.");
        _meter.CreateObservableGauge("notifications.queue.oldest_pending.age",
            () => Backlog<double>(f => f.Notifications.OldestPendingCreatedAt is { } oldest ? Math.Max(0, (f.ReadAt - oldest).TotalSeconds) : 0),
            unit: "s", description: "Age of the oldest PENDING notification (0 when none), deferred and throttled ones included.");
        _meter.CreateObservableGauge("notifications.records",
            () => backlog.Current is { } f && time.GetUtcNow() - f.ReadAt < BacklogStaleAfter
                ? f.Notifications.ByState.Select(s => new Measurement<long>(s.Value, new KeyValuePair<string, object?>("state", s.Key)))
                : [],
            description: "Stored notifications by state.");
    }

    private static string Wire<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonSerializer.Serialize(value, typeof(T), MetricsJson.Default).Trim('"');

    public void Dispose() => _meter.Dispose();
}

/// <summary>Wire names of the circuit enums, as the admin API spells them.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(CircuitState))]
[System.Text.Json.Serialization.JsonSerializable(typeof(CircuitMode))]
internal sealed partial class MetricsJson : System.Text.Json.Serialization.JsonSerializerContext;
