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

    /// <summary>How many buckets notification ids hash to; schedulers own ranges of them.</summary>
    public const int BucketCount = 1024;

    /// <summary>The id's bucket: its first hash bits, stable across processes and versions.</summary>
    public static int BucketOf(string id) =>
        IsWellFormed(id) ? Convert.ToInt32(id.Substring(Prefix.Length, 4), 16) % BucketCount : (int)((uint)StableHash(id) % BucketCount);

    public static bool IsWellFormed(string id) =>
        id.Length == Prefix.Length + 32 && id.StartsWith(Prefix, StringComparison.Ordinal) && id[Prefix.Length..].All(char.IsAsciiHexDigitLower);

    // FNV-1a: ids of another form (tests, tools) still get a stable bucket.
    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)hash;
    }
}
