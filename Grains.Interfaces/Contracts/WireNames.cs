namespace PaymentNotifications.Grains.Interfaces.Contracts;

/// <summary>The wire spelling of contract enums (as in API.md), for columns, metrics and query strings.</summary>
public static class WireNames
{
    public static string Of(NotificationState state) => state switch
    {
        NotificationState.Pending => "PENDING",
        NotificationState.Success => "SUCCESS",
        NotificationState.Failed => "FAILED",
        NotificationState.NotApply => "NOT_APPLY",
        NotificationState.Cancelled => "CANCELLED",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string Of(Channel channel) => channel.ToString().ToLowerInvariant();

    public static string Of(Priority priority) => priority.ToString().ToLowerInvariant();

    public static bool TryParseState(string? text, out NotificationState state)
    {
        foreach (var candidate in Enum.GetValues<NotificationState>())
        {
            if (string.Equals(Of(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }
        state = default;
        return false;
    }

    public static bool TryParseChannel(string? text, out Channel channel)
    {
        foreach (var candidate in Enum.GetValues<Channel>())
        {
            if (string.Equals(Of(candidate), text, StringComparison.Ordinal))
            {
                channel = candidate;
                return true;
            }
        }
        channel = default;
        return false;
    }
}
