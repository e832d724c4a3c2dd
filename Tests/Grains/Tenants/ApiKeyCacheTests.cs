using PaymentNotifications.Grains.Interfaces.Tenants;
using PaymentNotifications.Grains.Tenants;
using Microsoft.Extensions.Time.Testing;

namespace PaymentNotifications.Tests.Grains.Tenants;

public sealed class ApiKeyCacheTests
{
    private static readonly TenantInfo Acme = new("ten_acme", "acme", DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_remembered_key_expires_after_the_ttl()
    {
        var time = new FakeTimeProvider();
        var cache = new ApiKeyCache(time, TimeSpan.FromSeconds(5));

        cache.Add("hash-1", Acme, "key_1", cache.Generation);
        var fresh = cache.Find("hash-1");
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(Acme, fresh);
        Assert.Null(cache.Find("hash-1"));
    }

    [Fact]
    public void A_revoked_key_is_forgotten_at_once()
    {
        var cache = new ApiKeyCache(new FakeTimeProvider(), TimeSpan.FromMinutes(1));
        cache.Add("hash-1", Acme, "key_1", cache.Generation);
        cache.Add("hash-2", Acme, "key_2", cache.Generation);

        cache.Forget("key_1");

        Assert.Null(cache.Find("hash-1"));
        Assert.Equal(Acme, cache.Find("hash-2"));
    }

    [Fact]
    public void A_lookup_that_raced_with_a_revoke_is_not_remembered()
    {
        var cache = new ApiKeyCache(new FakeTimeProvider(), TimeSpan.FromMinutes(1));
        var generationBeforeLookup = cache.Generation;

        cache.Forget("key_1"); // the revoke lands while the lookup is still reading the old row
        cache.Add("hash-1", Acme, "key_1", generationBeforeLookup);

        Assert.Null(cache.Find("hash-1"));
    }

    [Fact]
    public void A_zero_ttl_remembers_nothing()
    {
        var cache = new ApiKeyCache(new FakeTimeProvider(), TimeSpan.Zero);

        cache.Add("hash-1", Acme, "key_1", cache.Generation);

        Assert.False(cache.Enabled);
        Assert.Null(cache.Find("hash-1"));
    }

    [Fact]
    public void Generated_keys_carry_256_random_bits_and_are_stored_only_as_hashes()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKeys.Generate()).ToList();

        Assert.Equal(1000, keys.Distinct().Count());
        Assert.All(keys, k => Assert.StartsWith(ApiKeys.Prefix, k));
        Assert.All(keys, k => Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(k.AsSpan(ApiKeys.Prefix.Length)).Length));
        Assert.Equal(32, ApiKeys.Hash(keys[0]).Length);
        Assert.Equal(ApiKeys.Prefix.Length + ApiKeys.ShownPrefixLength, ApiKeys.ShownPrefix(keys[0]).Length);
    }
}
