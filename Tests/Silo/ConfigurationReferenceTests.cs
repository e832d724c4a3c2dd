using System.Text.RegularExpressions;

namespace PaymentNotifications.Tests.Silo;

/// <summary>
/// The README's configuration tables name every setting the code documents as one (<c>Section:Name</c> in the
/// documentation of the options it binds), so a new setting cannot go undocumented.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    [Fact]
    public void Every_setting_the_code_documents_is_in_the_README()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var rows = readme.Split('\n').Where(l => l.StartsWith('|')).ToList();
        var wildcards = Backticked().Matches(readme).Select(m => m.Groups[1].Value).Where(t => t.EndsWith(":*", StringComparison.Ordinal)).Select(t => t[..^1]).ToList();
        var keys = new[] { "Grains", "ClientApi", "Silo" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => DocumentedKey().Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

        bool Documented(string key)
        {
            var section = key[..(key.LastIndexOf(':') + 1)];
            var name = key[section.Length..];
            return readme.Contains($"`{key}`", StringComparison.Ordinal)
                || wildcards.Any(w => (key + ":").StartsWith(w, StringComparison.Ordinal))
                || rows.Any(r => r.Contains($"`{section}", StringComparison.Ordinal) && r.Contains($"`{name}`", StringComparison.Ordinal));
        }

        Assert.True(keys.Count > 50, $"only {keys.Count} documented settings found; the pattern no longer matches the code's documentation");
        Assert.Equal([], keys.Where(k => !Documented(k)).ToArray());
    }

    // Settings as the code's documentation names them: PascalCase segments ("Delivery:MaxAttempts"), not examples ("Channels:Fallback:security.alert").
    [GeneratedRegex(@"<c>([A-Z][A-Za-z]+(?::[A-Z][A-Za-z]+)+)</c>")]
    private static partial Regex DocumentedKey();

    [GeneratedRegex(@"`([^`\s]+)`")]
    private static partial Regex Backticked();
}
