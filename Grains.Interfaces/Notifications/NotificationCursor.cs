using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace PaymentNotifications.Grains.Interfaces.Notifications;

/// <summary>The position after the last row of a page: (created at, id), newest first.</summary>
public readonly record struct NotificationCursor(DateTimeOffset CreatedAt, string Id)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{CreatedAt.UtcTicks}|{Id}")));

    /// <summary>Parses a cursor from a previous page; false when it is not one.</summary>
    public static bool TryDecode(string? text, out NotificationCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('|', 2);
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks > 0 && ticks < DateTime.MaxValue.Ticks)
            {
                cursor = new NotificationCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1]);
                return true;
            }
        }
        catch (FormatException)
        {
            // Not base64url: not a cursor.
        }
        return false;
    }

    public bool IsAfter(DateTimeOffset createdAt, string id) =>
        createdAt < CreatedAt || (createdAt == CreatedAt && string.CompareOrdinal(id, Id) < 0);
}
