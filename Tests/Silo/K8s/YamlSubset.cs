using System.Text;

namespace PaymentNotifications.Tests.Silo.K8s;

/// <summary>
/// Reads the YAML subset the manifests are written in (no YAML package restores here): documents
/// split by "---", block mappings and sequences by indentation, plain and quoted scalars, flow
/// sequences of scalars ([a, "b"]), the empty {} and [], literal blocks (| and |-) and comments.
/// Anything else (anchors, tags, folded blocks, nested flow collections) is refused, not guessed.
/// Mappings read as dictionaries, sequences as lists, every scalar as a string.
/// </summary>
public static class YamlSubset
{
    public static IReadOnlyList<object?> ParseDocuments(string text)
    {
        var documents = new List<object?>();
        var current = new List<string>();
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.TrimEnd() == "---")
            {
                AddDocument(documents, current);
                current = [];
            }
            else
            {
                current.Add(line);
            }
        }
        AddDocument(documents, current);
        return documents;
    }

    public static object? Parse(string text) => ParseDocuments(text).Single();

    private static void AddDocument(List<object?> documents, List<string> lines)
    {
        var parser = new Parser(lines);
        if (parser.HasContent)
        {
            documents.Add(parser.ParseDocument());
        }
    }

    private sealed class Parser
    {
        private readonly List<string> _raw;
        private int _line;

        public Parser(List<string> raw)
        {
            _raw = raw;
            SkipBlank();
        }

        public bool HasContent => _line < _raw.Count;

        public object? ParseDocument()
        {
            var node = ParseNode(Indent(_raw[_line]));
            SkipBlank();
            if (_line < _raw.Count)
            {
                throw Error("unexpected content after the document's root");
            }
            return node;
        }

        private object? ParseNode(int indent)
        {
            return Content(_raw[_line]).StartsWith('-') && IsSequenceItem(Content(_raw[_line])) ? ParseSequence(indent) : ParseMapping(indent);
        }

        private Dictionary<string, object?> ParseMapping(int indent, string? firstLine = null)
        {
            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (true)
            {
                string content;
                if (firstLine is not null)
                {
                    content = firstLine;
                    firstLine = null;
                }
                else
                {
                    SkipBlank();
                    if (_line >= _raw.Count || Indent(_raw[_line]) != indent || IsSequenceItem(Content(_raw[_line])))
                    {
                        if (_line < _raw.Count && Indent(_raw[_line]) > indent)
                        {
                            throw Error("unexpected indentation");
                        }
                        return map;
                    }
                    content = Content(_raw[_line]);
                }
                var (key, rest) = SplitKey(content);
                _line++;
                if (!map.TryAdd(key, ParseValue(rest, indent, allowSequenceAtSameIndent: true)))
                {
                    throw Error($"key '{key}' repeated");
                }
            }
        }

        private List<object?> ParseSequence(int indent)
        {
            var list = new List<object?>();
            while (true)
            {
                SkipBlank();
                if (_line >= _raw.Count || Indent(_raw[_line]) != indent || !IsSequenceItem(Content(_raw[_line])))
                {
                    if (_line < _raw.Count && Indent(_raw[_line]) > indent)
                    {
                        throw Error("unexpected indentation");
                    }
                    return list;
                }
                var item = Content(_raw[_line]).Length == 1 ? "" : Content(_raw[_line])[2..];
                if (item.Length == 0)
                {
                    _line++;
                    list.Add(ParseValue("", indent, allowSequenceAtSameIndent: false));
                }
                else if (LooksLikeKey(item))
                {
                    // "- key: value" opens a mapping whose keys line up two columns right of the dash.
                    list.Add(ParseMapping(indent + 2, item));
                }
                else
                {
                    _line++;
                    list.Add(ParseScalarOrFlow(item));
                }
            }
        }

        private object? ParseValue(string rest, int indent, bool allowSequenceAtSameIndent)
        {
            if (rest is "|" or "|-")
            {
                return LiteralBlock(indent, keepFinalNewline: rest == "|");
            }
            if (rest.Length > 0)
            {
                return ParseScalarOrFlow(rest);
            }
            SkipBlank();
            if (_line >= _raw.Count)
            {
                return null;
            }
            var next = Indent(_raw[_line]);
            if (next > indent || (allowSequenceAtSameIndent && next == indent && IsSequenceItem(Content(_raw[_line]))))
            {
                return ParseNode(next);
            }
            return null;
        }

        private string LiteralBlock(int indent, bool keepFinalNewline)
        {
            var lines = new List<string>();
            int? blockIndent = null;
            while (_line < _raw.Count)
            {
                var raw = _raw[_line];
                if (raw.Trim().Length == 0)
                {
                    lines.Add("");
                    _line++;
                    continue;
                }
                var lineIndent = Indent(raw);
                if (lineIndent <= indent)
                {
                    break;
                }
                blockIndent ??= lineIndent;
                if (lineIndent < blockIndent)
                {
                    throw Error("literal block line indented less than its first line");
                }
                lines.Add(raw[blockIndent.Value..]);
                _line++;
            }
            while (lines.Count > 0 && lines[^1].Length == 0)
            {
                lines.RemoveAt(lines.Count - 1);
            }
            var text = string.Join('\n', lines);
            return keepFinalNewline && text.Length > 0 ? text + "\n" : text;
        }

        private object? ParseScalarOrFlow(string text)
        {
            if (text == "{}")
            {
                return new Dictionary<string, object?>(StringComparer.Ordinal);
            }
            if (text.StartsWith('['))
            {
                if (!text.EndsWith(']'))
                {
                    throw Error("flow sequence must close on its line");
                }
                var inner = text[1..^1].Trim();
                return inner.Length == 0 ? new List<object?>() : SplitFlow(inner).Select(i => (object?)Scalar(i.Trim())).ToList();
            }
            if (text.StartsWith('{') || text.StartsWith('&') || text.StartsWith('*') || text.StartsWith('!') || text is ">" or ">-")
            {
                throw Error($"unsupported YAML: {text}");
            }
            return Scalar(text);
        }

        private string Scalar(string text)
        {
            if (text.StartsWith('"'))
            {
                if (text.Length < 2 || !text.EndsWith('"'))
                {
                    throw Error("unterminated double-quoted string");
                }
                var builder = new StringBuilder();
                for (var i = 1; i < text.Length - 1; i++)
                {
                    if (text[i] == '\\' && i + 1 < text.Length - 1)
                    {
                        i++;
                        builder.Append(text[i] switch { 'n' => '\n', 't' => '\t', var c => c });
                    }
                    else
                    {
                        builder.Append(text[i]);
                    }
                }
                return builder.ToString();
            }
            if (text.StartsWith('\''))
            {
                if (text.Length < 2 || !text.EndsWith('\''))
                {
                    throw Error("unterminated single-quoted string");
                }
                return text[1..^1].Replace("''", "'", StringComparison.Ordinal);
            }
            return text;
        }

        private static IEnumerable<string> SplitFlow(string inner)
        {
            var start = 0;
            var quote = '\0';
            for (var i = 0; i < inner.Length; i++)
            {
                var c = inner[i];
                if (quote != '\0')
                {
                    if (c == quote)
                    {
                        quote = '\0';
                    }
                }
                else if (c is '"' or '\'')
                {
                    quote = c;
                }
                else if (c == ',')
                {
                    yield return inner[start..i];
                    start = i + 1;
                }
            }
            yield return inner[start..];
        }

        private (string Key, string Value) SplitKey(string content)
        {
            var colon = KeyColon(content);
            if (colon < 0)
            {
                throw Error($"expected 'key: value', found '{content}'");
            }
            return (Scalar(content[..colon].Trim()), content[(colon + 1)..].Trim());
        }

        // The colon ending a key: followed by a space or the end of the line, outside quotes.
        private static int KeyColon(string content)
        {
            var quote = '\0';
            for (var i = 0; i < content.Length; i++)
            {
                var c = content[i];
                if (quote != '\0')
                {
                    if (c == quote)
                    {
                        quote = '\0';
                    }
                }
                else if (i == 0 && c is '"' or '\'')
                {
                    quote = c;
                }
                else if (c == ':' && (i + 1 == content.Length || content[i + 1] == ' '))
                {
                    return i;
                }
            }
            return -1;
        }

        private static bool LooksLikeKey(string item) => !item.StartsWith('"') && !item.StartsWith('[') && KeyColon(item) > 0;

        private static bool IsSequenceItem(string content) => content == "-" || content.StartsWith("- ", StringComparison.Ordinal);

        private void SkipBlank()
        {
            while (_line < _raw.Count && Content(_raw[_line]).Length == 0)
            {
                _line++;
            }
        }

        private static int Indent(string line)
        {
            var i = 0;
            while (i < line.Length && line[i] == ' ')
            {
                i++;
            }
            if (i < line.Length && line[i] == '\t')
            {
                throw new FormatException("tabs are not allowed for indentation");
            }
            return i;
        }

        // The line without indentation and without a trailing comment (a # outside quotes after a space).
        private static string Content(string line)
        {
            var text = line.Trim();
            if (text.StartsWith('#'))
            {
                return "";
            }
            var quote = '\0';
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (quote != '\0')
                {
                    if (c == quote)
                    {
                        quote = '\0';
                    }
                }
                else if (c is '"' or '\'' && (i == 0 || text[i - 1] is ' ' or '[' or ','))
                {
                    quote = c;
                }
                else if (c == '#' && text[i - 1] == ' ')
                {
                    return text[..i].TrimEnd();
                }
            }
            return text;
        }

        private FormatException Error(string message) => new($"YAML line {_line + 1}: {message}");
    }
}
