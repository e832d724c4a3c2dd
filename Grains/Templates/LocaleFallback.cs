namespace PaymentNotifications.Grains.Templates;

/// <summary>Picks the template locale to use: the requested one, its parents, the tenant default and its parents, then "en".</summary>
/// <remarks>
/// "pt-BR" tries "pt-BR", then "pt"; "zh-Hant-TW" tries "zh-Hant-TW", "zh-Hant", "zh". Matching ignores case and
/// treats "_" as "-"; the result is spelled as in the available set.
/// </remarks>
public static class LocaleFallback
{
    /// <summary>The locale tried when nothing else matches.</summary>
    public const string LastResort = "en";

    /// <summary>The locales to try, in order, without duplicates.</summary>
    public static IReadOnlyList<string> Candidates(string? requested, string? tenantDefault)
    {
        var candidates = new List<string>();
        foreach (var start in new[] { requested, tenantDefault, LastResort })
        {
            if (string.IsNullOrWhiteSpace(start))
            {
                continue;
            }

            var locale = start.Trim().Replace('_', '-');
            while (locale.Length > 0)
            {
                if (!candidates.Contains(locale, StringComparer.OrdinalIgnoreCase))
                {
                    candidates.Add(locale);
                }

                var dash = locale.LastIndexOf('-');
                locale = dash < 0 ? string.Empty : locale[..dash];
            }
        }

        return candidates;
    }

    /// <summary>The first candidate found in <paramref name="available"/>, spelled as there; null when none is.</summary>
    public static string? Resolve(string? requested, IEnumerable<string> available, string? tenantDefault)
    {
        ArgumentNullException.ThrowIfNull(available);
        var byKey = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var locale in available)
        {
            byKey.TryAdd(locale.Replace('_', '-'), locale);
        }

        foreach (var candidate in Candidates(requested, tenantDefault))
        {
            if (byKey.TryGetValue(candidate, out var found))
            {
                return found;
            }
        }

        return null;
    }
}
