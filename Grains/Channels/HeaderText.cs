using System.Text;

namespace PaymentNotifications.Grains.Channels;

/// <summary>
/// Text that a provider puts into a message header (an email subject): one line, so that no CR/LF, NEL (U+0085),
/// LINE or PARAGRAPH SEPARATOR (U+2028, U+2029) or other control character can start a header of its own.
/// </summary>
public static class HeaderText
{
    /// <summary>The rule as a validation message.</summary>
    public const string Rule = "One line: no line breaks (CR, LF, U+0085, U+2028, U+2029) or other control characters.";

    public static bool IsSingleLine(string value) => !value.Any(Breaks);

    /// <summary>The text with every run of breaking characters replaced by one space, trimmed.</summary>
    public static string ToSingleLine(string value)
    {
        if (IsSingleLine(value))
        {
            return value;
        }
        var line = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (!Breaks(c))
            {
                line.Append(c);
            }
            else if (line.Length > 0 && line[^1] != ' ')
            {
                line.Append(' ');
            }
        }
        return line.ToString().Trim();
    }

    private static bool Breaks(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
