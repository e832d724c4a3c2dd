using System.Globalization;
using System.Text;

namespace PaymentNotifications.LoadTest.Measure;

/// <summary>The results of one load run, printed as a table and written as JSON.</summary>
public sealed record RunReport
{
    public required string Label { get; init; }
    public required string Mode { get; init; }
    public double TargetRate { get; init; }
    public int Concurrency { get; init; }
    public int Silos { get; init; }
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Seconds from the first send to the last answer.</summary>
    public double SubmitSeconds { get; init; }
    public long Sent { get; init; }
    public long Accepted { get; init; }
    public long Existing { get; init; }
    public long Rejected4xx { get; init; }
    public long ServerErrors5xx { get; init; }
    public long NoAnswer { get; init; }
    public long LateSends { get; init; }

    /// <summary>Open-loop sends that waited because the concurrency cap was reached.</summary>
    public long CappedSends { get; init; }
    public IReadOnlyDictionary<string, long> ByStatus { get; init; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> Errors { get; init; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> Unexpected { get; init; } = new Dictionary<string, long>();

    /// <summary>Fresh notifications answered 202, per second of the submit window.</summary>
    public double AcceptedPerSecond { get; init; }

    /// <summary>Requests sent per second of the submit window.</summary>
    public double SentPerSecond { get; init; }
    public LatencySummary AcceptLatency { get; init; } = LatencySummary.Empty;

    /// <summary>Accepted notifications a hosted receiver or sandbox can see arrive.</summary>
    public long DeliveriesExpected { get; init; }
    public long Delivered { get; init; }

    /// <summary>First deliveries that arrived within the submit window, per second of it.</summary>
    public double DeliveredPerSecond { get; init; }

    /// <summary>Seconds from the first send until the last first-delivery arrived.</summary>
    public double DeliverySeconds { get; init; }

    /// <summary>Deliveries still missing when the drain ended.</summary>
    public long DeliveryBacklog { get; init; }
    public long RepeatedDeliveries { get; init; }
    public long RefusedByReceiver { get; init; }
    public long BadSignatures { get; init; }

    /// <summary>Submit sent to first arrival at the receiver or sandbox.</summary>
    public LatencySummary DeliveryLatency { get; init; } = LatencySummary.Empty;

    /// <summary>Submit sent to completedAt of SUCCESS, over the sampled notifications.</summary>
    public LatencySummary TimeToSuccess { get; init; } = LatencySummary.Empty;
    public IReadOnlyDictionary<string, long> SampledStates { get; init; } = new Dictionary<string, long>();

    /// <summary>Accepted answers in each second of the run.</summary>
    public IReadOnlyList<long> AcceptedTimeline { get; init; } = [];

    /// <summary>The table printed at the end of a run.</summary>
    public string ToTable()
    {
        var rows = new List<(string, string)>
        {
            ("run", $"{Label}: {Mode}{(Mode == "open" ? $" at {TargetRate:0}/s" : "")}, concurrency {Concurrency}{(Silos > 0 ? $", {Silos} silo(s)" : "")}"),
            ("submit window", $"{SubmitSeconds:0.0} s, {Sent} sent ({SentPerSecond:0}/s), {LateSends} sent >10 ms late, {CappedSends} waited for the concurrency cap"),
            ("answers", $"202 {Accepted}, 200 {Existing}, 4xx {Rejected4xx}, 5xx {ServerErrors5xx}, none {NoAnswer}"),
            ("by status", Join(ByStatus)),
            ("accepted/s", $"{AcceptedPerSecond:0.0}"),
            ("accept latency ms", Format(AcceptLatency)),
            ("delivered", $"{Delivered} of {DeliveriesExpected} expected (backlog {DeliveryBacklog}), {RepeatedDeliveries} repeated, {RefusedByReceiver} refused"),
            ("delivered/s", $"{DeliveredPerSecond:0.0} within the submit window; all within {DeliverySeconds:0.0} s"),
            ("delivery latency ms", Format(DeliveryLatency)),
            ("time to SUCCESS ms", $"{Format(TimeToSuccess)}  sampled states: {Join(SampledStates)}"),
        };
        if (Errors.Count > 0) rows.Add(("no-answer reasons", Join(Errors)));
        if (Unexpected.Count > 0) rows.Add(("unexpected answers", Join(Unexpected)));
        if (BadSignatures > 0) rows.Add(("bad signatures", BadSignatures.ToString(CultureInfo.InvariantCulture)));
        return Table(rows);
    }

    public static string Format(LatencySummary s) => s.Count == 0
        ? "-"
        : string.Create(CultureInfo.InvariantCulture, $"p50 {s.P50:0.0}  p90 {s.P90:0.0}  p99 {s.P99:0.0}  p99.9 {s.P999:0.0}  max {s.Max:0.0}  (n={s.Count})");

    public static string Join(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "-" : string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}"));

    /// <summary>Two aligned columns.</summary>
    public static string Table(IReadOnlyList<(string Name, string Value)> rows)
    {
        var width = rows.Max(r => r.Name.Length);
        var text = new StringBuilder();
        foreach (var (name, value) in rows)
        {
            text.Append("  ").Append(name.PadRight(width)).Append("  ").AppendLine(value);
        }
        return text.ToString();
    }
}
