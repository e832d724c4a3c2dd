using System.Text;

namespace PaymentNotifications.Silo.Metrics;

/// <summary>
/// Maps System.Diagnostics.Metrics instrument names and units to Prometheus names the way the
/// OpenTelemetry Prometheus exporter does: dots become underscores, the unit becomes a suffix
/// (s: _seconds, By: _bytes), counters end in _total.
/// </summary>
public static class PrometheusNames
{
    public static string MetricName(string instrumentName, string? unit, MetricType type)
    {
        var name = Sanitize(instrumentName, allowColon: true);
        var suffix = UnitSuffix(unit, type);
        if (suffix is not null && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            name += "_" + suffix;
        }
        if (type == MetricType.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }
        return name;
    }

    public static string LabelName(string tagName)
    {
        var name = Sanitize(tagName, allowColon: false);
        return name.StartsWith("__", StringComparison.Ordinal) ? "tag" + name : name;
    }

    private static string? UnitSuffix(string? unit, MetricType type) => unit switch
    {
        "s" => "seconds",
        "ms" => "milliseconds",
        "By" => "bytes",
        "%" => "percent",
        "1" when type == MetricType.Gauge => "ratio",
        // Annotations in braces ({request}) and dimensionless counts add no suffix.
        _ => null,
    };

    private static string Sanitize(string text, bool allowColon)
    {
        var builder = new StringBuilder(text.Length + 1);
        foreach (var c in text)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }
        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }
        return builder.ToString();
    }
}

/// <summary>The Prometheus metric types this exporter writes.</summary>
public enum MetricType
{
    Counter,
    Gauge,
    Histogram,
}
