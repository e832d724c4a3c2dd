using System.Text;

namespace PaymentNotifications.Grains.Templates;

/// <summary>How an SMS body is encoded on the wire.</summary>
public enum SmsEncoding
{
    /// <summary>The GSM 03.38 7-bit alphabet: 160 septets in one message, 153 per part when split.</summary>
    Gsm7,

    /// <summary>UCS-2 (UTF-16 units): 70 units in one message, 67 per part when split.</summary>
    Ucs2,
}

/// <summary>The size of an SMS body, for previews and cost estimates.</summary>
/// <param name="Encoding">GSM-7 when every character is in the GSM alphabet, else UCS-2.</param>
/// <param name="Characters">Unicode characters in the text.</param>
/// <param name="Units">Septets (GSM-7; extension characters count 2) or UTF-16 units (UCS-2; characters outside the BMP count 2).</param>
/// <param name="Segments">Messages the text is sent as; 0 for an empty text.</param>
/// <param name="UnitsPerSegment">Capacity of each segment at this length: 160/70 for one, 153/67 per part for several.</param>
/// <param name="RemainingInLastSegment">Units that still fit in the last segment before another is needed.</param>
public sealed record SmsSegmentInfo(
    SmsEncoding Encoding,
    int Characters,
    int Units,
    int Segments,
    int UnitsPerSegment,
    int RemainingInLastSegment);

/// <summary>Counts SMS segments the way carriers do (3GPP TS 23.038 alphabet, concatenated SMS headers).</summary>
public static class SmsSegments
{
    /// <summary>Septets in a single GSM-7 message.</summary>
    public const int Gsm7Single = 160;

    /// <summary>Septets per part of a concatenated GSM-7 message (7 go to the header).</summary>
    public const int Gsm7Part = 153;

    /// <summary>Units in a single UCS-2 message.</summary>
    public const int Ucs2Single = 70;

    /// <summary>Units per part of a concatenated UCS-2 message.</summary>
    public const int Ucs2Part = 67;

    // The GSM 03.38 default alphabet (the escape code 0x1B excluded).
    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    // The extension table: each is sent as escape + code, two septets.
    private const string Extension = "\f^{}\\[~]|€";

    private static readonly HashSet<char> BasicSet = [.. Basic];
    private static readonly HashSet<char> ExtensionSet = [.. Extension];

    /// <summary>Septets <paramref name="c"/> takes in GSM-7 (1 or 2), or 0 when it is not in the GSM alphabet.</summary>
    public static int Gsm7Septets(char c) => BasicSet.Contains(c) ? 1 : ExtensionSet.Contains(c) ? 2 : 0;

    /// <summary>True when every character of <paramref name="text"/> is in the GSM-7 alphabet.</summary>
    public static bool IsGsm7(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (Gsm7Septets(c) == 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Measures <paramref name="text"/>: encoding, units and segments.</summary>
    public static SmsSegmentInfo Measure(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var characters = text.EnumerateRunes().Count();
        if (IsGsm7(text))
        {
            return Pack(SmsEncoding.Gsm7, characters, text.Select(Gsm7Septets), Gsm7Single, Gsm7Part);
        }

        return Pack(SmsEncoding.Ucs2, characters, text.EnumerateRunes().Select(r => r.Utf16SequenceLength), Ucs2Single, Ucs2Part);
    }

    /// <summary>Fills segments with characters of the given unit costs; a 2-unit character is never split across parts.</summary>
    private static SmsSegmentInfo Pack(SmsEncoding encoding, int characters, IEnumerable<int> costs, int single, int part)
    {
        var costList = costs.ToList();
        var units = costList.Sum();
        if (units == 0)
        {
            return new SmsSegmentInfo(encoding, 0, 0, 0, single, single);
        }

        if (units <= single)
        {
            return new SmsSegmentInfo(encoding, characters, units, 1, single, single - units);
        }

        var segments = 1;
        var used = 0;
        foreach (var cost in costList)
        {
            if (used + cost > part)
            {
                segments++;
                used = 0;
            }

            used += cost;
        }

        return new SmsSegmentInfo(encoding, characters, units, segments, part, part - used);
    }
}
