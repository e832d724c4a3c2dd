using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace PaymentNotifications.Grains.Webhooks;

/// <summary>A merchant endpoint's signing secret: <c>whsec_</c> followed by the base64 of 24 to 64 random bytes.</summary>
/// <remarks><see cref="ToString"/> hides the value so a secret never reaches a log by accident; use <see cref="Value"/> to store or show it.</remarks>
public sealed class WebhookSecret : IEquatable<WebhookSecret>
{
    /// <summary>The prefix of the text form.</summary>
    public const string Prefix = "whsec_";

    /// <summary>Fewest key bytes accepted.</summary>
    public const int MinKeyBytes = 24;

    /// <summary>Most key bytes accepted.</summary>
    public const int MaxKeyBytes = 64;

    /// <summary>Key bytes in a generated secret.</summary>
    public const int GeneratedKeyBytes = 32;

    private readonly byte[] _key;

    private WebhookSecret(byte[] key)
    {
        _key = key;
        Value = Prefix + Convert.ToBase64String(key);
    }

    /// <summary>The text form, always with the <c>whsec_</c> prefix.</summary>
    public string Value { get; }

    /// <summary>The decoded key that keys the HMAC.</summary>
    public ReadOnlySpan<byte> Key => _key;

    /// <summary>A new secret of <paramref name="keyBytes"/> (24..64, default 32) bytes from a cryptographic random source.</summary>
    public static WebhookSecret Generate(int keyBytes = GeneratedKeyBytes)
    {
        if (keyBytes is < MinKeyBytes or > MaxKeyBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(keyBytes), keyBytes, $"A webhook secret has {MinKeyBytes} to {MaxKeyBytes} bytes.");
        }

        return new WebhookSecret(RandomNumberGenerator.GetBytes(keyBytes));
    }

    /// <summary>Parses a secret given by a merchant; the <c>whsec_</c> prefix is optional.</summary>
    /// <exception cref="FormatException">The secret is not valid; the message says why without repeating it.</exception>
    public static WebhookSecret Parse(string? text) =>
        TryParse(text, out var secret, out var error) ? secret : throw new FormatException(error);

    /// <summary>Parses a secret; false with a readable <paramref name="error"/> (which never repeats the secret) when invalid.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out WebhookSecret? secret,
        [NotNullWhen(false)] out string? error)
    {
        secret = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "A webhook secret is required.";
            return false;
        }

        var body = text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..] : text;
        if (body.Length == 0 || body.Any(char.IsWhiteSpace))
        {
            error = $"A webhook secret is \"{Prefix}\" followed by base64 without spaces.";
            return false;
        }

        var buffer = new byte[((body.Length + 3) / 4) * 3];
        if (!Convert.TryFromBase64String(body, buffer, out var length))
        {
            error = $"A webhook secret must be base64 after the optional \"{Prefix}\" prefix.";
            return false;
        }

        if (length is < MinKeyBytes or > MaxKeyBytes)
        {
            error = $"A webhook secret must decode to {MinKeyBytes} to {MaxKeyBytes} bytes (this one has {length}).";
            return false;
        }

        secret = new WebhookSecret(buffer[..length]);
        error = null;
        return true;
    }

    /// <inheritdoc />
    public bool Equals(WebhookSecret? other) =>
        other is not null && CryptographicOperations.FixedTimeEquals(_key, other._key);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as WebhookSecret);

    /// <inheritdoc />
    public override int GetHashCode() => _key.Length;

    /// <summary>A masked form safe for logs.</summary>
    public override string ToString() => Prefix + "***";
}
