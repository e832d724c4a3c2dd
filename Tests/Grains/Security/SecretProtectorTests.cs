using System.Security.Cryptography;
using PaymentNotifications.Grains.Security;

namespace PaymentNotifications.Tests.Grains.Security;

public sealed class SecretProtectorTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private const string Context = "merchant-endpoint/ten_a/m-42";
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Fact]
    public void Sealed_secret_opens_to_the_original_and_does_not_contain_it()
    {
        var protector = new SecretProtector(Key);

        var sealedValue = protector.Seal(Secret, Context);

        Assert.StartsWith(SecretProtector.Prefix + protector.CurrentKeyId + ":", sealedValue);
        Assert.DoesNotContain("MfKQ9r8GKYqrTwjU", sealedValue);
        Assert.Equal(Secret, protector.Open(sealedValue, Context));
        Assert.NotEqual(sealedValue, protector.Seal(Secret, Context));
    }

    [Fact]
    public void Sealed_secret_does_not_open_for_another_record()
    {
        var protector = new SecretProtector(Key);
        var sealedValue = protector.Seal(Secret, Context);

        Assert.ThrowsAny<CryptographicException>(() => protector.Open(sealedValue, "merchant-endpoint/ten_b/m-42"));
    }

    [Fact]
    public void Altered_ciphertext_does_not_open()
    {
        var protector = new SecretProtector(Key);
        var sealedValue = protector.Seal(Secret, Context);
        var altered = sealedValue[..^3] + (sealedValue[^3] == 'A' ? 'B' : 'A') + sealedValue[^2..];

        Assert.ThrowsAny<CryptographicException>(() => protector.Open(altered, Context));
        Assert.ThrowsAny<CryptographicException>(() => protector.Open(SecretProtector.Prefix + "nokey", Context));
    }

    [Fact]
    public void After_a_key_rotation_old_secrets_open_with_the_previous_key_and_new_ones_use_the_new_key()
    {
        var oldKey = RandomNumberGenerator.GetBytes(32);
        var sealedBefore = new SecretProtector(oldKey).Seal(Secret, Context);
        var rotated = new SecretProtector(Key, [oldKey]);

        Assert.Equal(Secret, rotated.Open(sealedBefore, Context));
        Assert.Equal(Secret, new SecretProtector(Key).Open(rotated.Seal(Secret, Context), Context));
        var error = Assert.ThrowsAny<CryptographicException>(() => new SecretProtector(Key).Open(sealedBefore, Context));
        Assert.Contains("Security:PreviousEncryptionKeys", error.Message);
    }

    [Fact]
    public void A_value_stored_in_clear_before_encryption_is_returned_as_is()
    {
        Assert.False(SecretProtector.IsSealed(Secret));
        Assert.Equal(Secret, new SecretProtector(Key).Open(Secret, Context));
    }

    [Theory]
    [InlineData(null, "is required in durable mode")]
    [InlineData("", "is required in durable mode")]
    [InlineData("not base64!", "is not base64")]
    [InlineData("c2hvcnQ=", "decodes to 5 bytes")]
    public void Missing_or_malformed_keys_are_refused_with_a_message_that_says_what_to_set(string? key, string message)
    {
        var result = new SecurityOptionsValidator().Validate(null, new SecurityOptions { EncryptionKey = key });

        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage);
        Assert.Contains("Security:EncryptionKey", result.FailureMessage);
    }

    [Fact]
    public void A_generated_key_is_valid()
    {
        var result = new SecurityOptionsValidator().Validate(null, new SecurityOptions { EncryptionKey = SecretProtector.GenerateKey() });

        Assert.True(result.Succeeded);
    }
}
