using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace PaymentNotifications.Grains.Security;

/// <summary>
/// Seals secrets kept at rest (webhook signing secrets) with AES-256-GCM under the configured key, and opens
/// them with that key or a previous one. A sealed value reads <c>sealed:v1:{keyId}:{base64url(nonce|ciphertext|tag)}</c>;
/// the key id names the key so that keys can be rotated, and the context (e.g. the grain key) is authenticated
/// with the ciphertext so a sealed value copied to another record does not open.
/// </summary>
public sealed class SecretProtector
{
    /// <summary>The prefix of every sealed value.</summary>
    public const string Prefix = "sealed:v1:";

    /// <summary>Bytes of an encryption key (AES-256).</summary>
    public const int KeyBytes = 32;

    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly (string Id, byte[] Key) _current;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    /// <summary>Creates a protector sealing with <paramref name="key"/> and opening with it or any of <paramref name="previousKeys"/>.</summary>
    /// <exception cref="ArgumentException">A key is not 32 bytes.</exception>
    public SecretProtector(byte[] key, IEnumerable<byte[]>? previousKeys = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        _current = (KeyId(key), Checked(key));
        _keys[_current.Id] = _current.Key;
        foreach (var previous in previousKeys ?? [])
        {
            _keys.TryAdd(KeyId(previous), Checked(previous));
        }
    }

    /// <summary>The id of the key new values are sealed with (8 hex digits of its SHA-256; not secret).</summary>
    public string CurrentKeyId => _current.Id;

    /// <summary>True when <paramref name="stored"/> is a sealed value rather than clear text.</summary>
    public static bool IsSealed(string? stored) => stored?.StartsWith(Prefix, StringComparison.Ordinal) == true;

    /// <summary>A fresh random key, as its base64 text (the form <c>Security:EncryptionKey</c> takes).</summary>
    public static string GenerateKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));

    /// <summary>Parses a base64 key of 32 bytes; false with a message (never repeating the key) otherwise.</summary>
    public static bool TryParseKey(string? text, [NotNullWhen(true)] out byte[]? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty";
            return false;
        }

        var buffer = new byte[text.Length];
        if (!Convert.TryFromBase64String(text.Trim(), buffer, out var length))
        {
            error = "is not base64";
            return false;
        }

        if (length != KeyBytes)
        {
            error = $"decodes to {length} bytes, not {KeyBytes}";
            return false;
        }

        key = buffer[..length];
        error = null;
        return true;
    }

    /// <summary>Seals <paramref name="plaintext"/>, binding it to <paramref name="context"/>.</summary>
    public string Seal(string plaintext, string context)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(context);
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceBytes + clear.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_current.Key, TagBytes);
        aes.Encrypt(nonce, clear, sealedBytes.AsSpan(NonceBytes, clear.Length), sealedBytes.AsSpan(NonceBytes + clear.Length), Encoding.UTF8.GetBytes(context));
        CryptographicOperations.ZeroMemory(clear);
        return $"{Prefix}{_current.Id}:{Base64Url.EncodeToString(sealedBytes)}";
    }

    /// <summary>
    /// Opens a sealed value; a value that is not sealed (stored before encryption at rest) is returned as is.
    /// </summary>
    /// <exception cref="CryptographicException">The value was sealed under an unknown key, for another context, or was altered.</exception>
    public string Open(string stored, string context)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(context);
        if (!IsSealed(stored))
        {
            return stored;
        }

        var rest = stored.AsSpan(Prefix.Length);
        var colon = rest.IndexOf(':');
        if (colon <= 0)
        {
            throw new CryptographicException("A sealed secret is malformed.");
        }

        var keyId = rest[..colon].ToString();
        if (!_keys.TryGetValue(keyId, out var key))
        {
            throw new CryptographicException(
                $"A secret is sealed under key {keyId}, which is neither Security:EncryptionKey nor one of Security:PreviousEncryptionKeys.");
        }

        byte[] sealedBytes;
        try
        {
            sealedBytes = Base64Url.DecodeFromChars(rest[(colon + 1)..]);
        }
        catch (FormatException e)
        {
            throw new CryptographicException("A sealed secret is malformed.", e);
        }

        if (sealedBytes.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("A sealed secret is malformed.");
        }

        var clearLength = sealedBytes.Length - NonceBytes - TagBytes;
        var clear = new byte[clearLength];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, clearLength), sealedBytes.AsSpan(NonceBytes + clearLength),
            clear, Encoding.UTF8.GetBytes(context));
        var text = Encoding.UTF8.GetString(clear);
        CryptographicOperations.ZeroMemory(clear);
        return text;
    }

    private static string KeyId(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(Checked(key)).AsSpan(0, 4));

    private static byte[] Checked(byte[] key) =>
        key.Length == KeyBytes ? key : throw new ArgumentException($"An encryption key has {KeyBytes} bytes, not {key.Length}.", nameof(key));
}
