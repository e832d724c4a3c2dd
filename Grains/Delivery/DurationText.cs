using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PaymentNotifications.Grains.Delivery;

/// <summary>Parses durations written in configuration, such as "15s", "5m", "250ms" or "00:05:00".</summary>
/// <remarks>
/// Accepted forms: a non-negative whole number followed by one of the units ms, s, m, h, d
/// (lower case, so "m" can never be mistaken for months), or the invariant TimeSpan format
/// "[d.]hh:mm:ss[.fffffff]". Surrounding whitespace is ignored.
/// </remarks>
public static class DurationText
{
    /// <summary>Parses <paramref name="text"/> or throws a <see cref="FormatException"/> that says what is wrong.</summary>
    public static TimeSpan Parse(string? text)
    {
        if (TryParse(text, out var value, out var error))
        {
            return value;
        }

        throw new FormatException(error);
    }

    /// <summary>Parses <paramref name="text"/>; false when it is not a valid duration.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out TimeSpan value) => TryParse(text, out value, out _);

    /// <summary>Parses <paramref name="text"/>; false with a readable <paramref name="error"/> when it is not a valid duration.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        out TimeSpan value,
        [NotNullWhen(false)] out string? error)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "A duration is required, e.g. \"30s\", \"5m\" or \"00:05:00\".";
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed.Contains(':'))
        {
            if (TimeSpan.TryParseExact(trimmed, "c", CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
            {
                value = span;
                error = null;
                return true;
            }

            error = $"\"{trimmed}\" is not a valid duration: use the format [d.]hh:mm:ss, e.g. \"00:05:00\", and no negative values.";
            return false;
        }

        var digits = 0;
        while (digits < trimmed.Length && char.IsAsciiDigit(trimmed[digits]))
        {
            digits++;
        }

        if (digits == 0)
        {
            error = $"\"{trimmed}\" is not a valid duration: it must start with a whole number, e.g. \"30s\".";
            return false;
        }

        var unit = trimmed[digits..];
        if (!long.TryParse(trimmed.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            error = $"\"{trimmed}\" is not a valid duration: the number is too large.";
            return false;
        }

        long? millisecondsPerUnit = unit switch
        {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => null,
        };

        if (millisecondsPerUnit is null)
        {
            error = unit.Length == 0
                ? $"\"{trimmed}\" is not a valid duration: a unit is missing (one of ms, s, m, h, d)."
                : $"\"{trimmed}\" is not a valid duration: unknown unit \"{unit}\" (use one of ms, s, m, h, d).";
            return false;
        }

        // TimeSpan.MaxValue is about 10.6 million days; refuse anything beyond it instead of overflowing.
        if (amount > (long)TimeSpan.MaxValue.TotalMilliseconds / millisecondsPerUnit.Value)
        {
            error = $"\"{trimmed}\" is not a valid duration: it is too large.";
            return false;
        }

        value = TimeSpan.FromMilliseconds(amount * millisecondsPerUnit.Value);
        error = null;
        return true;
    }

    /// <summary>Writes <paramref name="value"/> in the shortest unit form that is exact, e.g. "90s", "5m", "1500ms".</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "Durations are never negative.");
        }

        var ms = (long)value.TotalMilliseconds;
        if (value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            return value.ToString("c", CultureInfo.InvariantCulture);
        }

        if (ms == 0)
        {
            return "0s";
        }

        (long Size, string Unit)[] units = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")];
        foreach (var (size, unit) in units)
        {
            if (ms % size == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{ms / size}{unit}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{ms}ms");
    }
}
