using System.Text.Json;
using System.Text.Json.Serialization;
using PaymentNotifications.LoadTest.Bench;
using PaymentNotifications.LoadTest.Soak;

namespace PaymentNotifications.LoadTest.Measure;

/// <summary>Source-generated JSON for the reports (camelCase, indented).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RunReport))]
[JsonSerializable(typeof(SearchResult))]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(SoakReport))]
public sealed partial class ReportJsonContext : JsonSerializerContext;

/// <summary>Writes a report as JSON to a file.</summary>
public static class ReportJson
{
    public static Task WriteAsync(string path, RunReport report, CancellationToken cancellationToken) => WriteAsync(path, report, ReportJsonContext.Default.RunReport, cancellationToken);

    public static Task WriteAsync(string path, SearchResult result, CancellationToken cancellationToken) => WriteAsync(path, result, ReportJsonContext.Default.SearchResult, cancellationToken);

    public static Task WriteAsync(string path, BenchReport report, CancellationToken cancellationToken) => WriteAsync(path, report, ReportJsonContext.Default.BenchReport, cancellationToken);

    public static Task WriteAsync(string path, SoakReport report, CancellationToken cancellationToken) => WriteAsync(path, report, ReportJsonContext.Default.SoakReport, cancellationToken);

    private static async Task WriteAsync<T>(string path, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, value, type, cancellationToken);
    }
}
