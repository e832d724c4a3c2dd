using System.Text.Json;
using PaymentNotifications.Client.Models;

namespace PaymentNotifications.Client.Http;

/// <summary>The wire spelling of an enum value (e.g. <c>NOT_APPLY</c>), for query strings and messages.</summary>
internal static class WireName
{
    public static string? Of(NotificationState? state) =>
        state is { } value ? Unquote(JsonSerializer.Serialize(value, ClientJsonContext.Default.NotificationState)) : null;

    public static string? Of(Channel? channel) =>
        channel is { } value ? Unquote(JsonSerializer.Serialize(value, ClientJsonContext.Default.Channel)) : null;

    private static string Unquote(string json) => json.Trim('"');
}
