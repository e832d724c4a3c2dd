using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization;

namespace PaymentNotifications.Grains.Users;

/// <summary>A daily window, in the user's own time zone, during which non-critical notifications wait.</summary>
/// <remarks>
/// The window is read on the user's wall clock: it is quiet when the local time of day is at or after
/// <see cref="Start"/> and before <see cref="End"/>; when <see cref="Start"/> is later than <see cref="End"/>
/// the window crosses midnight. Across DST changes the wall clock rules: an end time that falls in a
/// skipped hour ends the window at the first instant after the gap, and when the clock is set back the
/// window ends at the first time the clock reads the end time (a repeated hour inside the window is quiet
/// again on its second pass).
/// </remarks>
public sealed record QuietHours
{
    private const string TimeFormat = "HH:mm";

    /// <summary>Creates quiet hours from "HH:mm" times and an IANA time zone id.</summary>
    /// <exception cref="ArgumentException">A value is invalid; the message names the field.</exception>
    [JsonConstructor]
    public QuietHours(string start, string end, string timeZone)
    {
        var errors = Validate(start, end, timeZone);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid quiet hours: " + string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }

        Start = start;
        End = end;
        TimeZone = timeZone;
        StartTime = TimeOnly.ParseExact(start, TimeFormat, CultureInfo.InvariantCulture);
        EndTime = TimeOnly.ParseExact(end, TimeFormat, CultureInfo.InvariantCulture);
        Zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
    }

    /// <summary>Local time the window opens, "HH:mm".</summary>
    public string Start { get; }

    /// <summary>Local time the window closes, "HH:mm".</summary>
    public string End { get; }

    /// <summary>IANA time zone id, e.g. "Africa/Lagos".</summary>
    public string TimeZone { get; }

    /// <summary>Local time the window opens.</summary>
    [JsonIgnore]
    public TimeOnly StartTime { get; }

    /// <summary>Local time the window closes.</summary>
    [JsonIgnore]
    public TimeOnly EndTime { get; }

    /// <summary>The user's time zone.</summary>
    [JsonIgnore]
    public TimeZoneInfo Zone { get; }

    /// <summary>Field-level problems with the given values ("start", "end", "timeZone"); empty when valid.</summary>
    public static IReadOnlyDictionary<string, string[]> Validate(string? start, string? end, string? timeZone)
    {
        var errors = new Dictionary<string, string[]>();
        var startOk = TryParseTime(start, out var startTime);
        var endOk = TryParseTime(end, out var endTime);
        if (!startOk)
        {
            errors["start"] = ["Use a 24-hour time \"HH:mm\", e.g. \"22:00\"."];
        }

        if (!endOk)
        {
            errors["end"] = ["Use a 24-hour time \"HH:mm\", e.g. \"07:00\"."];
        }
        else if (startOk && startTime == endTime)
        {
            errors["end"] = ["The end must differ from the start."];
        }

        if (string.IsNullOrWhiteSpace(timeZone))
        {
            errors["timeZone"] = ["A time zone is required, e.g. \"Africa/Lagos\"."];
        }
        else if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) || !zone.HasIanaId)
        {
            errors["timeZone"] = [$"\"{timeZone}\" is not a known IANA time zone id, e.g. \"Africa/Lagos\" or \"America/New_York\"."];
        }

        return errors;
    }

    /// <summary>Creates quiet hours, or gives the field-level problems.</summary>
    public static bool TryCreate(
        string? start,
        string? end,
        string? timeZone,
        [NotNullWhen(true)] out QuietHours? quietHours,
        out IReadOnlyDictionary<string, string[]> errors)
    {
        errors = Validate(start, end, timeZone);
        quietHours = errors.Count == 0 ? new QuietHours(start!, end!, timeZone!) : null;
        return quietHours is not null;
    }

    /// <summary>True when <paramref name="instant"/> falls inside the window.</summary>
    public bool IsQuietAt(DateTimeOffset instant) => DeferUntil(instant) is not null;

    /// <summary>Null when <paramref name="now"/> is outside the window; otherwise the UTC instant the window ends.</summary>
    public DateTimeOffset? DeferUntil(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, Zone);
        var timeOfDay = TimeOnly.FromTimeSpan(local.TimeOfDay);
        var crossesMidnight = StartTime > EndTime;
        var inside = crossesMidnight
            ? timeOfDay >= StartTime || timeOfDay < EndTime
            : timeOfDay >= StartTime && timeOfDay < EndTime;
        if (!inside)
        {
            return null;
        }

        var endDate = DateOnly.FromDateTime(local.DateTime);
        if (crossesMidnight && timeOfDay >= StartTime)
        {
            endDate = endDate.AddDays(1);
        }

        return FirstInstantReading(endDate.ToDateTime(EndTime, DateTimeKind.Unspecified), now);
    }

    /// <summary>The first instant after <paramref name="after"/> at which the zone's wall clock reads <paramref name="wallClock"/>, or the first after a gap that skips it.</summary>
    private DateTimeOffset FirstInstantReading(DateTime wallClock, DateTimeOffset after)
    {
        // A skipped wall-clock time: walk forward to the first valid minute, which is the instant the gap closes.
        // Real gaps are minutes to a day long (Samoa skipped 30 Dec 2011), so two days bound the walk.
        var candidate = wallClock;
        for (var i = 0; Zone.IsInvalidTime(candidate) && i < 2 * 24 * 60; i++)
        {
            candidate = candidate.AddMinutes(1);
        }

        var offsets = Zone.IsAmbiguousTime(candidate)
            ? Zone.GetAmbiguousTimeOffsets(candidate)
            : [Zone.GetUtcOffset(candidate)];

        var instants = offsets.Select(o => new DateTimeOffset(candidate, o).ToUniversalTime()).Order().ToArray();
        return instants.FirstOrDefault(i => i > after, instants[^1]);
    }

    private static bool TryParseTime(string? text, out TimeOnly time)
    {
        time = default;
        return text is { Length: 5 } && TimeOnly.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }
}
