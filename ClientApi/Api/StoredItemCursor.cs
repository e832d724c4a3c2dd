using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Api;

/// <summary>
/// The cursor of a list of stored names: the last name of a page, behind the list's kind so that a cursor is good only
/// for the list that gave it. Opaque to callers (base64url), like the notifications' cursor.
/// </summary>
public static class StoredItemCursor
{
    public static string Encode(StoredKind kind, string lastName) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{kind}|{lastName}"));

    /// <summary>The name a page starts after; false when <paramref name="text"/> is no cursor of the <paramref name="kind"/> list.</summary>
    public static bool TryDecode(string text, StoredKind kind, [NotNullWhen(true)] out string? after)
    {
        after = null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
            var prefix = $"{kind}|";
            if (decoded.Length > prefix.Length && decoded.StartsWith(prefix, StringComparison.Ordinal))
            {
                after = decoded[prefix.Length..];
                return true;
            }
        }
        catch (FormatException)
        {
            // Not base64url: not a cursor.
        }
        return false;
    }
}
