using System.Text;
using System.Text.Json;

namespace PaymentNotifications.Api;

/// <summary>
/// What every JSON body must hold beyond being well-formed, because PostgreSQL's jsonb, the providers and the
/// merchants' JSON parsers cannot take it: strings (names too) of valid Unicode without U+0000 (an escaped lone
/// surrogate such as "\ud800" is legal JSON), numbers finite as a double and at most <see cref="MaxNumberLength"/>
/// characters, and no name twice in one object. Syntax and depth are the deserializer's to describe.
/// </summary>
public static class JsonValueRules
{
    public const int MaxNumberLength = 100;

    /// <summary>The first value the body breaks a rule with, described with its path; null when there is none.</summary>
    public static string? FirstBroken(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        var path = new List<string>();
        var names = new Stack<HashSet<string>>();
        var indexes = new Stack<int>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        NextValue(path, indexes);
                        if (reader.TokenType == JsonTokenType.StartObject)
                        {
                            names.Push(new HashSet<string>(StringComparer.Ordinal));
                            indexes.Push(-2);
                        }
                        else
                        {
                            indexes.Push(-1);
                        }
                        path.Add("");
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        if (reader.TokenType == JsonTokenType.EndObject)
                        {
                            names.Pop();
                        }
                        indexes.Pop();
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        path[^1] = path.Count == 1 ? name : "." + name;
                        if (name.Contains('\0'))
                        {
                            return $"A field name at '{Where(path)}' contains U+0000, which no field may.";
                        }
                        if (!names.Peek().Add(name))
                        {
                            return $"The field '{Where(path)}' appears twice in one object.";
                        }
                        break;
                    case JsonTokenType.String:
                        NextValue(path, indexes);
                        if (reader.GetString()!.Contains('\0'))
                        {
                            return $"The string at '{Where(path)}' contains U+0000, which no text may.";
                        }
                        break;
                    case JsonTokenType.Number:
                        NextValue(path, indexes);
                        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                        if (length > MaxNumberLength || !reader.TryGetDouble(out var number) || !double.IsFinite(number))
                        {
                            return $"The number at '{Where(path)}' is out of range: numbers must be finite as a double and at most {MaxNumberLength} characters long.";
                        }
                        break;
                    default:
                        NextValue(path, indexes);
                        break;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Thrown by GetString for an escape that is no Unicode scalar (a lone or reversed surrogate).
            return $"The string at '{Where(path)}' is not valid Unicode (an escaped lone surrogate such as \\ud800).";
        }
        catch (JsonException)
        {
            return null;
        }
        return null;
    }

    // Array elements are named by their index as they are read; object members already got their name.
    private static void NextValue(List<string> path, Stack<int> indexes)
    {
        if (indexes.Count > 0 && indexes.Peek() >= -1)
        {
            var index = indexes.Pop() + 1;
            indexes.Push(index);
            path[^1] = $"[{index}]";
        }
    }

    private static string Where(List<string> path)
    {
        var text = new StringBuilder();
        foreach (var segment in path)
        {
            text.Append(segment);
        }
        return text.Length == 0 ? "(the body)" : TenantsApi.Shorten(text.ToString());
    }
}
