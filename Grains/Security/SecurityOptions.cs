using Microsoft.Extensions.Options;

namespace PaymentNotifications.Grains.Security;

/// <summary>Encryption of secrets at rest; bound from "Security".</summary>
public sealed class SecurityOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Security";

    /// <summary>
    /// Base64 of 32 random bytes that seals stored secrets with AES-256-GCM (<c>Security:EncryptionKey</c>, env
    /// <c>Security__EncryptionKey</c>). Required in durable mode; dev mode generates one per run when unset.
    /// </summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Comma-separated earlier keys that still open secrets sealed before a key rotation (<c>Security:PreviousEncryptionKeys</c>, default none).</summary>
    public string? PreviousEncryptionKeys { get; set; }

    /// <summary>The earlier keys as a list.</summary>
    public IEnumerable<string> PreviousKeys() =>
        (PreviousEncryptionKeys ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Checks the keys at start-up with messages that say what to set (and never repeat a key).</summary>
public sealed class SecurityOptionsValidator : IValidateOptions<SecurityOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.EncryptionKey))
        {
            return ValidateOptionsResult.Fail(
                "Security:EncryptionKey is required in durable mode (ConnectionStrings:Postgres is set): it encrypts webhook secrets at rest. "
                + "Set it (env Security__EncryptionKey) to the base64 of 32 random bytes, e.g. the output of `openssl rand -base64 32`, "
                + "and keep it: secrets sealed under a key cannot be read without it. After a rotation, list the old key in Security:PreviousEncryptionKeys.");
        }

        var failures = new List<string>();
        if (!SecretProtector.TryParseKey(options.EncryptionKey, out _, out var error))
        {
            failures.Add($"Security:EncryptionKey {error}; it must be the base64 of {SecretProtector.KeyBytes} random bytes.");
        }

        var index = 0;
        foreach (var previous in options.PreviousKeys())
        {
            index++;
            if (!SecretProtector.TryParseKey(previous, out _, out var previousError))
            {
                failures.Add($"Security:PreviousEncryptionKeys entry {index} {previousError}; each must be the base64 of {SecretProtector.KeyBytes} bytes.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
