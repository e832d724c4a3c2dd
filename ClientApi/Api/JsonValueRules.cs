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
        // One frame per open object or array: the names seen in an object, the index reached in an array.
        var frames = new Stack<(HashSet<string>? Names, int Index)>();
        var path = new List<string>();
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.PropertyName or JsonTokenType.EndObject or JsonTokenType.EndArray))
                {
                    NextElement(frames, path);
                }
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        frames.Push((new HashSet<string>(StringComparer.Ordinal), 0));
                        path.Add("");
                        break;
                    case JsonTokenType.StartArray:
                        frames.Push((null, -1));
                        path.Add("");
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.Pop();
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        path[^1] = path.Count == 1 ? name : "." + name;
                        if (name.Contains('\0'))
                        {
                            return $"A field name at '{Where(path)}' contains U+0000, which no field may.";
                        }
                        if (!frames.Peek().Names!.Add(name))
                        {
                            return $"The field '{Where(path)}' appears twice in one object.";
                        }
                        break;
                    case JsonTokenType.String when reader.GetString()!.Contains('\0'):
                        return $"The string at '{Where(path)}' contains U+0000, which no text may.";
                    case JsonTokenType.Number:
                        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                        if (length > MaxNumberLength || !reader.TryGetDouble(out var number) || !double.IsFinite(number))
                        {
                            return $"The number at '{Where(path)}' is out of range: numbers must be finite as a double and at most {MaxNumberLength} characters long.";
                        }
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

    // A value inside an array is named by its index; one inside an object already has its name.
    private static void NextElement(Stack<(HashSet<string>? Names, int Index)> frames, List<string> path)
    {
        if (frames.TryPeek(out var frame) && frame.Names is null)
        {
            frames.Pop();
            frames.Push((null, frame.Index + 1));
            path[^1] = $"[{frame.Index + 1}]";
        }
    }

    private static string Where(List<string> path) => string.Concat(path) is { Length: > 0 } text ? TenantsApi.Shorten(text) : "(the body)";
}
