using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PaymentNotifications.Grains.Templates;

/// <summary>
/// What one render of one template part may cost, so that a small template cannot grow into megabytes or
/// seconds: iteration blocks do not nest (an each inside an each grows as n^depth), checked when a template is
/// saved, and while rendering the output stops at the part's size limit or after <see cref="MaxTime"/>.
/// </summary>
public static partial class RenderBudget
{
    /// <summary>Longest one part may render to, by part: an SMS or a subject is short, an email body is not.</summary>
    public static int MaxLength(string field) => field switch
    {
        "smsText" => 10_000,
        "emailSubject" or "pushTitle" => 1_000,
        "pushBody" => 4_000,
        _ => 500_000,
    };

    /// <summary>Longest one part may take to render.</summary>
    public static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(1);

    /// <summary>Why the template source nests an iteration inside another, or null when it does not.</summary>
    public static string? NestedIteration(string source)
    {
        var open = new Stack<string>();
        var iterating = 0;
        foreach (Match block in BlockTag().Matches(source))
        {
            var name = block.Groups["name"].Value;
            if (block.Groups["kind"].Value == "#")
            {
                if (name == "each" && iterating > 0)
                {
                    return "An {{#each}} inside another {{#each}} is not accepted: its output grows with the product of the lists (flatten the data instead).";
                }
                iterating += name == "each" ? 1 : 0;
                open.Push(name);
            }
            else if (open.TryPop(out var closed) && closed == "each")
            {
                iterating--;
            }
        }
        return null;
    }

    [GeneratedRegex(@"\{\{~?\s*(?<kind>[#/])\s*(?<name>[A-Za-z_][\w.-]*)")]
    private static partial Regex BlockTag();

    /// <summary>Thrown by <see cref="Writer"/> when a render goes past its budget.</summary>
    public sealed class ExceededException(string message) : Exception(message);

    /// <summary>The output of one part's render, refusing to grow past the part's budget.</summary>
    public sealed class Writer(string field) : StringWriter(CultureInfo.InvariantCulture)
    {
        private readonly int _maxLength = MaxLength(field);
        private readonly long _started = Stopwatch.GetTimestamp();

        public override void Write(char value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            base.Write(buffer, index, count);
            Check();
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            base.Write(buffer);
            Check();
        }

        private void Check()
        {
            var length = GetStringBuilder().Length;
            if (length > _maxLength)
            {
                throw new ExceededException($"{field} renders to more than {_maxLength:N0} characters with this data; the limit keeps one message bounded.");
            }
            if (Stopwatch.GetElapsedTime(_started) > MaxTime)
            {
                throw new ExceededException($"{field} took longer than {MaxTime.TotalSeconds:0} s to render with this data.");
            }
        }
    }
}
