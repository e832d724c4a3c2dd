using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace PaymentNotifications.Api;

/// <summary>
/// Reads a JSON request body with errors a caller can act on: wrong content type, malformed JSON or invalid
/// UTF-8 (with the path and position), a value of the wrong type, a body over the size limit - each a problem
/// naming what is wrong without repeating the body; values no store or receiver can take are refused by
/// <see cref="JsonValueRules"/>.
/// </summary>
public static partial class JsonBody
{
    private const int MaxEchoedLength = 100;

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo) where T : class
    {
        if (!request.HasJsonContentType())
        {
            var given = request.ContentType is { } type ? $"'{(type.Length > MaxEchoedLength ? type[..MaxEchoedLength] + "…" : type)}'" : "none";
            return (null, ApiProblems.Malformed($"Content-Type must be application/json (was {given})."));
        }
        byte[] body;
        try
        {
            // Bodies are capped (RequestBodyLimit), so reading one whole is bounded; it lets the UTF-8 check see every byte,
            // including those in names and values the deserializer would skip without decoding.
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, ApiProblems.TooLarge(request.HttpContext));
        }
        if (FirstInvalidUtf8(body) is { } offset)
        {
            return (null, ApiProblems.Malformed($"The body is not valid UTF-8 (byte {offset + 1})."));
        }
        if (JsonValueRules.FirstBroken(body) is { } broken)
        {
            return (null, ApiProblems.Malformed(broken));
        }
        try
        {
            var value = JsonSerializer.Deserialize(body, typeInfo);
            return value is null ? (null, ApiProblems.Malformed("The body must be a JSON object, not null.")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, ApiProblems.Malformed(Describe(e, typeInfo)));
        }
    }

    private static int? FirstInvalidUtf8(byte[] body)
    {
        if (Utf8.IsValid(body))
        {
            return null;
        }
        var chars = new char[1024];
        var offset = 0;
        while (true)
        {
            var status = Utf8.ToUtf16(body.AsSpan(offset), chars, out var read, out _, replaceInvalidSequences: false);
            offset += read;
            if (status != OperationStatus.DestinationTooSmall)
            {
                return offset;
            }
        }
    }

    private static string Describe(JsonException e, JsonTypeInfo root)
    {
        var where = e.Path is { Length: > 1 } path ? $" at '{path.TrimStart('$', '.')}'" : "";
        var position = e.LineNumber is { } line ? $" (line {line + 1}, position {e.BytePositionInLine + 1})" : "";
        switch (e.InnerException)
        {
            case InvalidOperationException inner when inner.Message.Contains("UTF-8", StringComparison.Ordinal):
                return $"The body is not valid UTF-8{where}{position}.";
            case InvalidOperationException or FormatException or OverflowException:
                return $"Wrong type{where}{position}: expected {Expected(root, e.Path)}.";
        }
        if (UnknownMember().Match(e.Message) is { Success: true } unknown)
        {
            var field = e.Path is { Length: > 1 } unknownPath ? unknownPath.TrimStart('$', '.') : unknown.Groups[1].Value;
            return $"Unknown field '{TenantsApi.Shorten(field)}'{position}; see the schema for the fields this route takes.";
        }
        const string conversion = "The JSON value could not be converted to ";
        if (e.Message.StartsWith(conversion, StringComparison.Ordinal))
        {
            return $"Wrong type{where}{position}: expected {Expected(root, e.Path)}.";
        }
        // The reader's own messages describe the syntax error without quoting the body; keep their first sentence.
        var message = TypeName().Replace(e.Message.Split(". Path:", 2)[0].Split(" LineNumber:", 2)[0], "").Split(". ", 2)[0].TrimEnd('.', ' ', '|');
        return $"Invalid JSON{where}{position}: {message}.";
    }

    // The JSON type the member at a path (such as $.recipient.phone, $.eventTypes[2] or $.channels.sms) takes, from the contract.
    private static string Expected(JsonTypeInfo root, string? path)
    {
        var info = root;
        foreach (var segment in (path ?? "$").TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Split('[', 2)[0];
            Type? next = info.Kind switch
            {
                JsonTypeInfoKind.Object => info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.PropertyType,
                JsonTypeInfoKind.Dictionary => info.ElementType,
                _ => null,
            };
            if (next is null)
            {
                break;
            }
            info = info.Options.GetTypeInfo(next);
            if (segment.Contains('[', StringComparison.Ordinal) && info.Kind == JsonTypeInfoKind.Enumerable && info.ElementType is { } element)
            {
                info = info.Options.GetTypeInfo(element);
            }
        }
        return Describe(info);
    }

    private static string Describe(JsonTypeInfo info)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable when info.ElementType is { } element => $"an array of {Plural(Describe(info.Options.GetTypeInfo(element)))}",
            JsonTypeInfoKind.Enumerable => "an array",
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
            _ when type == typeof(string) => "a string",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "an RFC 3339 time such as \"2026-11-21T12:00:00Z\"",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type.IsEnum => "one of the documented names",
            _ => "a JSON value",
        };
    }

    private static string Plural(string described) => described switch
    {
        "a string" => "strings",
        "an object" => "objects",
        "true or false" => "true or false values",
        "a whole number" => "whole numbers",
        _ => "values",
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"^The JSON property '(.*)' could not be mapped")]
    private static partial System.Text.RegularExpressions.Regex UnknownMember();

    // .NET type names mean nothing to a caller.
    [System.Text.RegularExpressions.GeneratedRegex(@"\s*(?:during deserialization )?of type '[^']*'")]
    private static partial System.Text.RegularExpressions.Regex TypeName();
}
