using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Notifications.Orleans.Api;

/// <summary>
/// Reads a JSON request body with errors a caller can act on: wrong content type, malformed JSON
/// (with the path and position), unknown enum values - each a 400 problem naming what is wrong.
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo) where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, ApiProblems.Malformed($"Content-Type must be application/json (was '{request.ContentType ?? "none"}')."));
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, typeInfo, request.HttpContext.RequestAborted);
            return value is null ? (null, ApiProblems.Malformed("The body must be a JSON object, not null.")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, ApiProblems.Malformed(Describe(e)));
        }
    }

    private static string Describe(JsonException e)
    {
        var where = e.Path is { Length: > 1 } path ? $" at '{path.TrimStart('$', '.')}'" : "";
        var position = e.LineNumber is { } line ? $" (line {line + 1}, position {e.BytePositionInLine + 1})" : "";
        // System.Text.Json's messages name the expected type; keep the first sentence, which carries no body content.
        var message = e.Message.Split(". Path:", 2)[0].TrimEnd('.');
        return $"Invalid JSON{where}{position}: {message}.";
    }
}
