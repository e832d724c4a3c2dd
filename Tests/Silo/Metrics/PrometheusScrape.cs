using System.Globalization;
using System.Text.RegularExpressions;

namespace PaymentNotifications.Tests.Silo.Metrics;

/// <summary>
/// A strict reader of the Prometheus text format as the tests need it: every line must be a comment,
/// a TYPE/HELP line or a well-formed sample, or reading fails.
/// </summary>
public sealed partial class PrometheusScrape
{
    private readonly List<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> _samples = [];

    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    public IEnumerable<string> SampleNames => _samples.Select(s => s.Name).Distinct();

    public static PrometheusScrape Parse(string text)
    {
        var scrape = new PrometheusScrape();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.True(parts.Length == 4 && parts[3] is "counter" or "gauge" or "histogram", $"Bad TYPE line: {line}");
                Assert.True(scrape.Types.TryAdd(parts[2], parts[3]), $"TYPE declared twice for {parts[2]}");
                continue;
            }
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"Not a sample line: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                Assert.True(labels.TryAdd(label.Groups[1].Value, Unescape(label.Groups[2].Value)), $"Label repeated in: {line}");
            }
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            scrape._samples.Add((match.Groups["name"].Value, labels, value));
        }
        return scrape;
    }

    /// <summary>The sum of every sample of the name whose labels include the given ones.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    public bool Has(string name) => _samples.Any(s => s.Name == name);

    /// <summary>Every label name carried by some sample of the name.</summary>
    public IReadOnlySet<string> LabelNames(string name) =>
        _samples.Where(s => s.Name == name).SelectMany(s => s.Labels.Keys).ToHashSet(StringComparer.Ordinal);

    /// <summary>Histogram buckets (le, cumulative count) of the series with exactly the given labels besides le.</summary>
    public IReadOnlyList<(double Le, double Count)> Buckets(string name, params (string Key, string Value)[] labels) =>
        [.. _samples.Where(s => s.Name == name + "_bucket" && s.Labels.Count == labels.Length + 1 && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .Select(s => (s.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(s.Labels["le"], CultureInfo.InvariantCulture), s.Value))];

    private static string Unescape(string value) => value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((\\.|[^"\\])*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex LabelPair();
}
