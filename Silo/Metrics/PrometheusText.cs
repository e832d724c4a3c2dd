using System.Globalization;
using System.Text;

namespace PaymentNotifications.Silo.Metrics;

/// <summary>Writes metrics in the Prometheus text exposition format, version 0.0.4.</summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(IEnumerable<FamilySnapshot> families)
    {
        var text = new StringBuilder();
        foreach (var family in families)
        {
            if (family.Series.Count == 0)
            {
                continue;
            }
            if (!string.IsNullOrEmpty(family.Help))
            {
                text.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            }
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(TypeName(family.Type)).Append('\n');
            foreach (var series in family.Series.OrderBy(s => LabelText(s.Labels, null), StringComparer.Ordinal))
            {
                if (family.Type == MetricType.Histogram)
                {
                    WriteHistogram(text, family, series);
                }
                else
                {
                    text.Append(family.Name).Append(LabelText(series.Labels, null)).Append(' ').Append(Number(series.Value)).Append('\n');
                }
            }
        }
        return text.ToString();
    }

    private static void WriteHistogram(StringBuilder text, FamilySnapshot family, SeriesSnapshot series)
    {
        long cumulative = 0;
        for (var i = 0; i < family.Bounds.Count; i++)
        {
            cumulative += series.Buckets[i];
            text.Append(family.Name).Append("_bucket").Append(LabelText(series.Labels, Number(family.Bounds[i]))).Append(' ').Append(cumulative).Append('\n');
        }
        text.Append(family.Name).Append("_bucket").Append(LabelText(series.Labels, "+Inf")).Append(' ').Append(series.Count).Append('\n');
        text.Append(family.Name).Append("_sum").Append(LabelText(series.Labels, null)).Append(' ').Append(Number(series.Sum)).Append('\n');
        text.Append(family.Name).Append("_count").Append(LabelText(series.Labels, null)).Append(' ').Append(series.Count).Append('\n');
    }

    private static string LabelText(IReadOnlyList<KeyValuePair<string, string>> labels, string? le)
    {
        if (labels.Count == 0 && le is null)
        {
            return "";
        }
        var text = new StringBuilder("{");
        foreach (var (name, value) in labels)
        {
            text.Append(name).Append("=\"").Append(EscapeLabel(value)).Append("\",");
        }
        if (le is not null)
        {
            text.Append("le=\"").Append(le).Append("\",");
        }
        text.Length--;
        return text.Append('}').ToString();
    }

    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    private static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        _ => "histogram",
    };

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
