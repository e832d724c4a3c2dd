using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using PaymentNotifications.Tests.Infrastructure;
using Npgsql;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>API keys through the admin API: shown once, listed by prefix, revoked at once, stored as hashes.</summary>
public abstract class ApiKeyTests
{
    protected abstract Task<string?> ConnectionStringAsync();

    [Fact]
    public async Task A_new_key_is_shown_once_listed_by_prefix_and_reaches_its_tenant()
    {
        await using var scenario = await ApiScenario.StartAsync(await ConnectionStringAsync());
        var admin = scenario.App.Admin();

        var created = await admin.PostAsync($"/v1/admin/tenants/{scenario.OwnerTenantId}/api-keys", null);
        var body = await created.ReadJsonAsync();
        var key = body["apiKey"]!.GetValue<string>();
        var listText = await (await admin.GetAsync($"/v1/admin/tenants/{scenario.OwnerTenantId}/api-keys")).Content.ReadAsStringAsync();
        var tenants = await (await admin.GetAsync("/v1/admin/tenants")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith("ntk_", key);
        Assert.True(key.Length >= 47, "a key carries 32 random bytes");
        Assert.StartsWith(body["prefix"]!.GetValue<string>(), key);
        Assert.DoesNotContain(key, listText);
        Assert.DoesNotContain(scenario.OwnerKey, listText);
        Assert.Contains(body["id"]!.GetValue<string>(), listText);
        Assert.Contains(scenario.OwnerTenantId, tenants.ToJsonString());
        var asNewKey = await scenario.WithKey(key).GetNotificationAsync(scenario.NotificationId);
        Assert.Equal("SUCCESS", asNewKey.State());
    }

    [Fact]
    public async Task A_revoked_key_fails_at_once_while_other_keys_keep_working()
    {
        await using var scenario = await ApiScenario.StartAsync(await ConnectionStringAsync());
        var admin = scenario.App.Admin();
        var created = await (await admin.PostAsync($"/v1/admin/tenants/{scenario.OwnerTenantId}/api-keys", null)).ReadJsonAsync();
        var second = scenario.WithKey(created["apiKey"]!.GetValue<string>());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/v1/notifications")).StatusCode); // warm any cache
        }

        var revoke = await admin.DeleteAsync($"/v1/admin/tenants/{scenario.OwnerTenantId}/api-keys/{created["id"]}");
        var afterRevoke = await second.GetAsync("/v1/notifications");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await scenario.Owner.GetAsync("/v1/notifications")).StatusCode);
        var keys = await (await admin.GetAsync($"/v1/admin/tenants/{scenario.OwnerTenantId}/api-keys")).ReadJsonAsync();
        var revoked = keys["items"]!.AsArray().Single(k => k!["id"]!.GetValue<string>() == created["id"]!.GetValue<string>());
        Assert.NotNull(revoked!["revokedAt"]);
    }

    [Fact]
    public async Task A_key_cannot_be_revoked_through_another_tenant()
    {
        await using var scenario = await ApiScenario.StartAsync(await ConnectionStringAsync());

        var revoke = await scenario.App.Admin().DeleteAsync($"/v1/admin/tenants/{scenario.StrangerTenantId}/api-keys/{scenario.OwnerKeyId}");

        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await scenario.Owner.GetAsync("/v1/notifications")).StatusCode);
    }

    [Fact]
    public async Task The_first_key_of_a_new_tenant_is_shown_only_in_the_creation_answer()
    {
        await using var scenario = await ApiScenario.StartAsync(await ConnectionStringAsync());
        var admin = scenario.App.Admin();

        var created = await (await admin.PostAsJsonAsync("/v1/admin/tenants", new { name = "shown-once" })).ReadJsonAsync();
        var tenantId = created["id"]!.GetValue<string>();
        var key = created["apiKey"]!.GetValue<string>();
        var views = string.Concat(await Task.WhenAll(
            admin.GetStringAsync("/v1/admin/tenants"),
            admin.GetStringAsync($"/v1/admin/tenants/{tenantId}"),
            admin.GetStringAsync($"/v1/admin/tenants/{tenantId}/api-keys")));

        Assert.DoesNotContain(key, views);
        Assert.Contains(key[..12], views);
    }
}

public sealed class MemoryApiKeyTests : ApiKeyTests
{
    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

public sealed class PostgresApiKeyTests : ApiKeyTests
{
    protected override async Task<string?> ConnectionStringAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync("apikeys");

    [Fact]
    public async Task Keys_are_stored_only_as_their_sha256()
    {
        var database = await ConnectionStringAsync();
        await using var scenario = await ApiScenario.StartAsync(database);

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT k.*::text, k.key_hash FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE t.name = 'owner'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var row = reader.GetString(0);
        var hash = (byte[])reader.GetValue(1);

        Assert.DoesNotContain(scenario.OwnerKey, row);
        Assert.DoesNotContain(scenario.OwnerKey[4..], row);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(scenario.OwnerKey)), hash);
    }
}

public sealed class AdminKeyLengthTests
{
    [Theory]
    [InlineData("short")]
    [InlineData("0123456789012345678901234567890")]
    [InlineData("          0123456789012345678901234567890          ")]
    public async Task An_admin_key_shorter_than_32_characters_stops_the_start_naming_the_setting(string key)
    {
        await using var app = new SiloApp(null, new Dictionary<string, string?> { ["Api:AdminKey"] = key });

        var error = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(await app.StartFailureAsync());

        Assert.Contains("Api:AdminKey must be at least 32 characters", error.Message);
    }

    [Fact]
    public async Task An_admin_key_of_32_characters_starts_and_reaches_the_admin_routes()
    {
        const string key = "0123456789abcdefghijklmnopqrstuv";
        await using var app = new SiloApp(null, new Dictionary<string, string?> { ["Api:AdminKey"] = key });

        Assert.Null(await app.StartFailureAsync());
        Assert.Equal(HttpStatusCode.OK, (await app.Tenant(key).GetAsync("/v1/admin/tenants")).StatusCode);
    }
}
