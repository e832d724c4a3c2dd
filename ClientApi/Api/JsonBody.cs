using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Notifications.Orleans.Api;

/// <summary>
/// Reads a JSON request body with errors a caller can act on: wrong content type, malformed JSON or invalid
/// UTF-8 (with the path and position), a value of the wrong type, a body over the size limit - each a problem
/// naming what is wrong without repeating the body.
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
            return $"Unknown field '{TenantsApi.Shorten(unknown.Groups[1].Value)}'{where}{position}; see the schema for the fields this route takes.";
        }
        const string conversion = "The JSON value could not be converted to ";
        if (e.Message.StartsWith(conversion, StringComparison.Ordinal))
        {
            return $"Wrong type{where}{position}: expected {Expected(root, e.Path)}.";
        }
        // The reader's own messages describe the syntax error without quoting the body; keep their first sentence.
        var message = TypeName().Replace(e.Message.Split(". Path:", 2)[0].Split(" LineNumber:", 2)[0], "").TrimEnd('.', ' ', '|');
        return $"Invalid JSON{where}{position}: {message}.";
    }

    // The JSON type the member at a path (such as $.recipient.phone or $.eventTypes[2]) takes, from the contract.
    private static string Expected(JsonTypeInfo root, string? path)
    {
        var type = root.Type;
        var info = root;
        foreach (var segment in (path ?? "$").TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Split('[', 2)[0];
            var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                break;
            }
            type = property.PropertyType;
            if (segment.Contains('[', StringComparison.Ordinal) && ElementType(type) is { } element)
            {
                type = element;
            }
            info = info.Options.GetTypeInfo(type);
        }
        return Describe(type);
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType() : type.IsGenericType ? type.GetGenericArguments()[0] : null;

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "a string";
        }
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            return "an RFC 3339 time such as \"2026-11-21T12:00:00Z\"";
        }
        if (type == typeof(bool))
        {
            return "true or false";
        }
        if (type == typeof(int) || type == typeof(long))
        {
            return "a whole number";
        }
        if (type == typeof(JsonElement))
        {
            return "a JSON value";
        }
        return type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
            ? $"an array of {Describe(ElementType(type) ?? typeof(object)).Replace("a ", "", StringComparison.Ordinal).Replace("an ", "", StringComparison.Ordinal)}s"
            : "an object";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^The JSON property '(.*)' could not be mapped")]
    private static partial System.Text.RegularExpressions.Regex UnknownMember();

    // .NET type names mean nothing to a caller.
    [System.Text.RegularExpressions.GeneratedRegex(@"\s*(?:during deserialization )?of type '[^']*'")]
    private static partial System.Text.RegularExpressions.Regex TypeName();
}
