using System.Security.Cryptography;
using System.Text;

namespace PaymentNotifications.Grains.Interfaces.Notifications;

/// <summary>
/// The notification id is derived from (tenant, idempotency key), so every silo and API process
/// finds the same grain for the same key without a lookup: identity is dedupe.
/// </summary>
public static class NotificationId
{
    public const string Prefix = "ntf_";

    public static string For(string tenantId, string idempotencyKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{tenantId}\n{idempotencyKey}"));
        return Prefix + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    public static bool IsWellFormed(string id) =>
        id.Length == Prefix.Length + 32 && id.StartsWith(Prefix, StringComparison.Ordinal) && id[Prefix.Length..].All(char.IsAsciiHexDigitLower);
}
