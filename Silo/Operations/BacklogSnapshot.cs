using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;

namespace PaymentNotifications.Silo.Operations;

/// <summary>Cluster-wide queue backlog as read from storage, with a sample of recent first-attempt latencies.</summary>
public sealed record BacklogFigures(
    DateTimeOffset ReadAt,
    NotificationStats Notifications,
    IReadOnlyList<double> FirstAttemptSeconds);

/// <summary>
/// Reads the backlog from storage at most once per <see cref="OperationsOptions.BacklogMaxAge"/>, however
/// many dashboards and scrapers ask; nothing is read while nobody asks.
/// </summary>
public sealed class BacklogSnapshot(INotificationQueries queries, TimeProvider time, IOptions<OperationsOptions> options)
{
    private readonly SemaphoreSlim _reading = new(1, 1);

    /// <summary>The last successful reading, or null before the first.</summary>
    public BacklogFigures? Current { get; private set; }

    public async Task<BacklogFigures> ReadAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } fresh)
        {
            return fresh;
        }
        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } readMeanwhile)
            {
                return readMeanwhile;
            }
            var now = time.GetUtcNow();
            var stats = await queries.ReadStatsAsync(now, cancellationToken);
            var recent = await queries.ListAsync(null, new NotificationFilter { Since = now - options.Value.TrafficWindow },
                options.Value.LatencySampleSize, null, cancellationToken);
            Current = new BacklogFigures(now, stats, FirstAttemptLatencies(recent.Items));
            return Current;
        }
        finally
        {
            _reading.Release();
        }
    }

    private BacklogFigures? Fresh() =>
        Current is { } current && time.GetUtcNow() - current.ReadAt < options.Value.BacklogMaxAge ? current : null;

    // From acceptance, or from sendAt for scheduled ones, to the first attempt; deferrals (quiet hours, rate limits) count as waiting.
    private static List<double> FirstAttemptLatencies(IReadOnlyList<NotificationView> recent) =>
        [.. recent.Where(n => n.Attempts.Count > 0)
            .Select(n => Math.Max(0, (n.Attempts[0].StartedAt - Max(n.CreatedAt, n.SendAt)).TotalSeconds))
            .Order()];

    private static DateTimeOffset Max(DateTimeOffset created, DateTimeOffset? sendAt) => sendAt is { } s && s > created ? s : created;
}
