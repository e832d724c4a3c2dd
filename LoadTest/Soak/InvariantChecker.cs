using PaymentNotifications.LoadTest.Receiving;

namespace PaymentNotifications.LoadTest.Soak;

/// <summary>One recorded delivery attempt of a notification, as stored in PostgreSQL.</summary>
/// <param name="Outcome">"succeeded", "failed" or "unknown".</param>
public sealed record RecordedAttempt(int Number, DateTimeOffset StartedAt, long DurationMs, string Outcome, int? StatusCode);

/// <summary>A notification row as the checker reads it.</summary>
/// <param name="Observable">Whether a receiver the soak hosts sees this notification's deliveries.</param>
public sealed record StoredNotification(
    string Id,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    IReadOnlyList<RecordedAttempt> Attempts,
    int BudgetStart,
    bool Observable);

/// <summary>One try of a submit: when it ran and what came back (status 0: no answer).</summary>
public sealed record SubmitTry(string IdempotencyKey, DateTimeOffset Started, DateTimeOffset Ended, int Status, string? Error);

/// <summary>A silo process ended without recording what it was doing: killed, or stopped.</summary>
public sealed record Interruption(DateTimeOffset At, string SiloId, string How);

/// <summary>From a kill until the restarted silo is ready plus a settling time: submits may fail in here.</summary>
public sealed record KillWindow(DateTimeOffset From, DateTimeOffset To, string SiloId);

/// <summary>Tolerances of the checker, derived from the cluster's settings.</summary>
public sealed record CheckerSettings
{
    /// <summary>The silos' Delivery:AttemptTimeout.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Time between a delivery's arrival and its result being written, at most (after the attempt ends). Default 5 s.</summary>
    public TimeSpan WriteGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock slack when matching an arrival to an attempt's [start, start + duration]. Default 1 s.</summary>
    public TimeSpan MatchSlack { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How late an arrival may reach the receiver after the sender gave up on an attempt (unknown outcome). Default 5 s.</summary>
    public TimeSpan LateArrival { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A PENDING notification due longer ago than this when the cluster stopped is stuck.</summary>
    public TimeSpan OverdueTolerance { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>Attempts per budget (Delivery:MaxAttempts).</summary>
    public int MaxAttempts { get; init; } = 7;

    /// <summary>The longest delay of the retry schedule, jitter and any honoured Retry-After included.</summary>
    public TimeSpan LongestRetryDelay { get; init; } = TimeSpan.FromHours(1.2);

    /// <summary>When the cluster stopped (or the check began): due times are judged against it.</summary>
    public DateTimeOffset ClusterStoppedAt { get; init; }
}

/// <summary>What the invariant checker found; <see cref="Passed"/> when nothing was lost, stuck or delivered twice unexplained.</summary>
public sealed record InvariantReport
{
    public long Accepted { get; init; }
    public IReadOnlyDictionary<string, long> Terminal { get; init; } = new Dictionary<string, long>();
    public long TerminalTotal => Terminal.Values.Sum();
    public long PendingWithinSchedule { get; init; }

    /// <summary>Ids of the stuck notifications (to look into: their reminders, their silo logs).</summary>
    public IReadOnlyList<string> StuckIds { get; init; } = [];
    public long Lost { get; init; }
    public long Stuck { get; init; }
    public long LostOrStuck => Lost + Stuck;

    /// <summary>Rows whose submit never got a 2xx answer (the client gave up); informational, judged like the rest.</summary>
    public long CreatedWithoutAcknowledgement { get; init; }
    public long DeliveredMoreThanOnce { get; init; }
    public long ExtraDeliveries { get; init; }
    public long ExplainedByUnknownOutcome { get; init; }
    public long ExplainedByInterruption { get; init; }
    public long UnexplainedDuplicates { get; init; }

    /// <summary>Deliveries that match no recorded attempt and no interruption (reported even when not repeated).</summary>
    public long UnrecordedDeliveries { get; init; }

    /// <summary>SUCCESS with no delivery seen by a hosted receiver.</summary>
    public long SuccessNotSeen { get; init; }
    public long ServerErrorsOutsideKillWindows { get; init; }
    public long ServerErrorsInsideKillWindows { get; init; }
    public long NoAnswerOutsideKillWindows { get; init; }
    public long NoAnswerInsideKillWindows { get; init; }
    public IReadOnlyList<string> Examples { get; init; } = [];

    public bool Passed => LostOrStuck == 0 && UnexplainedDuplicates == 0 && ServerErrorsOutsideKillWindows == 0 && SuccessNotSeen == 0;
}

/// <summary>
/// Checks a soak's end state against what clients and receivers saw.
/// <para>Lost or stuck: an acknowledged notification with no row; or a PENDING one with no due time, with its attempt
/// budget spent, due longer than <see cref="CheckerSettings.OverdueTolerance"/> before the cluster stopped, or due later
/// than its schedule allows.</para>
/// <para>A repeated delivery (a receiver took the same notification more than once) is explained when the repeat was
/// caused by not knowing the first one's outcome: the earlier delivery matches a recorded attempt whose outcome is
/// unknown (no answer in time) or failed without a status (the answer never reached the sender), or it matches no
/// recorded attempt and a silo was killed or stopped between the arrival and the latest moment its result could have
/// been written (attempt timeout plus write grace). A delivery that matches a recorded success is the acknowledged
/// one; anything after it, a second acknowledged one, or an earlier one without such a cause is unexplained.</para>
/// </summary>
public static class InvariantChecker
{
    private static readonly HashSet<string> TerminalStates = new(StringComparer.Ordinal) { "SUCCESS", "FAILED", "NOT_APPLY", "CANCELLED" };

    public static InvariantReport Check(
        IReadOnlyDictionary<string, string> acknowledged,
        IReadOnlyDictionary<string, StoredNotification> rows,
        IReadOnlyDictionary<string, IReadOnlyList<Arrival>> arrivals,
        IReadOnlyList<Interruption> interruptions,
        IReadOnlyList<KillWindow> killWindows,
        IReadOnlyList<SubmitTry> tries,
        CheckerSettings settings)
    {
        var examples = new List<string>();
        void Example(string text)
        {
            if (examples.Count < 20)
            {
                examples.Add(text);
            }
        }

        var terminal = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long pendingOk = 0, lost = 0, stuck = 0;
        var stuckIds = new List<string>();
        foreach (var (id, key) in acknowledged)
        {
            if (!rows.ContainsKey(id))
            {
                lost++;
                Example($"lost: {id} (key {key}) was acknowledged but has no row");
            }
        }
        foreach (var row in rows.Values)
        {
            if (TerminalStates.Contains(row.State))
            {
                terminal[row.State] = terminal.GetValueOrDefault(row.State) + 1;
                continue;
            }
            if (StuckReason(row, settings) is { } reason)
            {
                stuck++;
                stuckIds.Add(row.Id);
                Example($"stuck: {row.Id} {reason} ({row.Attempts.Count} attempts recorded)");
            }
            else
            {
                pendingOk++;
            }
        }

        long repeated = 0, extra = 0, byUnknown = 0, byInterruption = 0, unexplained = 0, unrecorded = 0, successNotSeen = 0;
        foreach (var row in rows.Values)
        {
            var deliveries = arrivals.TryGetValue(row.Id, out var seen)
                ? seen.Where(a => a.Delivered).OrderBy(a => a.At).ToList()
                : [];
            if (row.Observable && row.State == "SUCCESS" && deliveries.Count == 0)
            {
                successNotSeen++;
                Example($"not seen: {row.Id} is SUCCESS but no receiver took it");
            }
            var verdicts = Classify(deliveries, row.Attempts, interruptions, settings);
            var unaccounted = verdicts.Count(v => v == DeliveryVerdict.Unexplained);
            if (unaccounted > 0 && unrecorded < 3)
            {
                Example($"unaccounted: {row.Id} {Describe(row, deliveries, verdicts)}");
            }
            unrecorded += unaccounted;
            if (deliveries.Count < 2)
            {
                continue;
            }
            repeated++;
            var extraHere = deliveries.Count - 1;
            extra += extraHere;
            var firstAcked = verdicts.IndexOf(DeliveryVerdict.Acknowledged);
            var before = firstAcked < 0 ? verdicts : verdicts.Take(firstAcked).ToList();
            var unknown = before.Count(v => v == DeliveryVerdict.UnknownOutcome);
            var interrupted = before.Count(v => v == DeliveryVerdict.Interrupted);
            var explained = Math.Min(extraHere, unknown + interrupted);
            byUnknown += Math.Min(unknown, explained);
            byInterruption += explained - Math.Min(unknown, explained);
            if (extraHere > explained)
            {
                unexplained += extraHere - explained;
                Example($"duplicate: {row.Id} {Describe(row, deliveries, verdicts)}");
            }
        }

        long errorsOutside = 0, errorsInside = 0, silentOutside = 0, silentInside = 0;
        foreach (var attempt in tries)
        {
            var inside = killWindows.Any(w => attempt.Started <= w.To && attempt.Ended >= w.From);
            if (attempt.Status >= 500)
            {
                if (inside)
                {
                    errorsInside++;
                }
                else
                {
                    errorsOutside++;
                    Example($"5xx outside kill windows: {attempt.IdempotencyKey} answered {attempt.Status} at {attempt.Ended:HH:mm:ss.fff}");
                }
            }
            else if (attempt.Status == 0)
            {
                if (inside)
                {
                    silentInside++;
                }
                else
                {
                    silentOutside++;
                }
            }
        }

        return new InvariantReport
        {
            Accepted = acknowledged.Count,
            Terminal = terminal,
            PendingWithinSchedule = pendingOk,
            Lost = lost,
            Stuck = stuck,
            StuckIds = stuckIds,
            CreatedWithoutAcknowledgement = rows.Keys.Count(id => !acknowledged.ContainsKey(id)),
            DeliveredMoreThanOnce = repeated,
            ExtraDeliveries = extra,
            ExplainedByUnknownOutcome = byUnknown,
            ExplainedByInterruption = byInterruption,
            UnexplainedDuplicates = unexplained,
            UnrecordedDeliveries = unrecorded,
            SuccessNotSeen = successNotSeen,
            ServerErrorsOutsideKillWindows = errorsOutside,
            ServerErrorsInsideKillWindows = errorsInside,
            NoAnswerOutsideKillWindows = silentOutside,
            NoAnswerInsideKillWindows = silentInside,
            Examples = examples,
        };
    }

    private static string Describe(StoredNotification row, IReadOnlyList<Arrival> deliveries, IReadOnlyList<DeliveryVerdict> verdicts) =>
        $"{row.State}, delivered {deliveries.Count} time(s) ({string.Join(", ", verdicts)}) at " +
        string.Join(", ", deliveries.Select(d => d.At.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture))) +
        "; attempts " + string.Join(", ", row.Attempts.Select(a =>
            $"#{a.Number} {a.Outcome} {a.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} at {a.StartedAt:HH:mm:ss.fff}+{a.DurationMs}ms"));

    /// <summary>Why a PENDING notification is stuck, or null when its next retry is due within its schedule.</summary>
    public static string? StuckReason(StoredNotification row, CheckerSettings settings)
    {
        var inBudget = row.Attempts.Count - row.BudgetStart;
        if (inBudget >= settings.MaxAttempts)
        {
            return $"is PENDING with {inBudget} attempts made of {settings.MaxAttempts}";
        }
        if (row.NextAttemptAt is not { } next)
        {
            return "is PENDING with no next attempt";
        }
        if (next < settings.ClusterStoppedAt - settings.OverdueTolerance)
        {
            return $"was due at {next:HH:mm:ss} but the cluster ran until {settings.ClusterStoppedAt:HH:mm:ss}";
        }
        var last = row.Attempts.Count > 0 ? row.Attempts[^1].StartedAt + TimeSpan.FromMilliseconds(row.Attempts[^1].DurationMs) : row.CreatedAt;
        if (next > last + settings.LongestRetryDelay + settings.MatchSlack)
        {
            return $"is due at {next:HH:mm:ss}, later than its schedule allows after {last:HH:mm:ss}";
        }
        return null;
    }

    /// <summary>How each delivery (oldest first) relates to the recorded attempts and the interruptions.</summary>
    public static List<DeliveryVerdict> Classify(
        IReadOnlyList<Arrival> deliveries, IReadOnlyList<RecordedAttempt> attempts, IReadOnlyList<Interruption> interruptions, CheckerSettings settings)
    {
        var used = new bool[attempts.Count];
        var verdicts = new List<DeliveryVerdict>(deliveries.Count);
        var acknowledged = false;
        foreach (var delivery in deliveries)
        {
            // The attempt that best contains the arrival; an attempt answered with a non-2xx status met a refusal, not this delivery.
            var match = -1;
            var best = TimeSpan.MaxValue;
            for (var i = 0; i < attempts.Count; i++)
            {
                var attempt = attempts[i];
                if (used[i] || (attempt.Outcome != "succeeded" && attempt.StatusCode is not null))
                {
                    continue;
                }
                var end = attempt.StartedAt + TimeSpan.FromMilliseconds(attempt.DurationMs);
                var allowance = attempt.Outcome == "succeeded" ? settings.MatchSlack : settings.MatchSlack + settings.LateArrival;
                if (delivery.At < attempt.StartedAt - settings.MatchSlack || delivery.At > end + allowance)
                {
                    continue;
                }
                var distance = delivery.At < attempt.StartedAt ? attempt.StartedAt - delivery.At : delivery.At > end ? delivery.At - end : TimeSpan.Zero;
                if (distance < best)
                {
                    best = distance;
                    match = i;
                }
            }
            DeliveryVerdict verdict;
            if (match >= 0)
            {
                used[match] = true;
                var attempt = attempts[match];
                verdict = attempt.Outcome == "succeeded" ? DeliveryVerdict.Acknowledged : DeliveryVerdict.UnknownOutcome;
            }
            else
            {
                var latest = delivery.At + settings.AttemptTimeout + settings.WriteGrace;
                verdict = interruptions.Any(i => i.At >= delivery.At - settings.MatchSlack && i.At <= latest)
                    ? DeliveryVerdict.Interrupted
                    : DeliveryVerdict.Unexplained;
            }
            if (acknowledged && verdict != DeliveryVerdict.Acknowledged)
            {
                // Once a success was recorded no attempt may follow.
                verdict = DeliveryVerdict.Unexplained;
            }
            if (verdict == DeliveryVerdict.Acknowledged)
            {
                if (acknowledged)
                {
                    verdict = DeliveryVerdict.Unexplained;
                }
                acknowledged = true;
            }
            verdicts.Add(verdict);
        }
        return verdicts;
    }
}

/// <summary>How one delivery seen by a receiver is accounted for.</summary>
public enum DeliveryVerdict
{
    /// <summary>Matches the recorded successful attempt.</summary>
    Acknowledged,

    /// <summary>Matches an attempt whose outcome the sender never learned (timeout, or failed with no status).</summary>
    UnknownOutcome,

    /// <summary>Matches no recorded attempt, and a silo was killed or stopped before the result could have been written.</summary>
    Interrupted,

    /// <summary>None of the above.</summary>
    Unexplained,
}
