using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace PaymentNotifications.Grains.Tenants;

/// <summary>API key material: high-entropy keys, shown once, stored only as SHA-256 hashes.</summary>
public static class ApiKeys
{
    public const string Prefix = "ntk_";

    /// <summary>Characters of a key kept for listing (after the "ntk_" prefix).</summary>
    public const int ShownPrefixLength = 8;

    public static string Generate() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>SHA-256 suffices for keys with 256 bits of entropy; a slow hash would only slow every request.</summary>
    public static byte[] Hash(string apiKey) => SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));

    public static string ShownPrefix(string apiKey) => apiKey[..Math.Min(apiKey.Length, Prefix.Length + ShownPrefixLength)];

    public static string NewId(string kind) => $"{kind}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
}
