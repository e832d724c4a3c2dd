using System.Text.Json;

namespace PaymentNotifications.Grains.Channels;

/// <summary>Tolerant reading of provider JSON answers: a malformed body must not turn an answer into an exception.</summary>
internal static class ProviderJson
{
    /// <summary>The parsed document root, or an undefined element when the body is not JSON.</summary>
    public static JsonElement Parse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return default;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    /// <summary>A string property of an object, or null.</summary>
    public static string? String(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>An object or array property, or an undefined element.</summary>
    public static JsonElement Child(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) ? value : default;

    /// <summary>The items of an array, or none.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray() : [];
}
