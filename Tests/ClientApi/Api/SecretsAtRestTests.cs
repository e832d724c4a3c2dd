using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Grains.Interfaces.Merchants;
using PaymentNotifications.Grains.Merchants;
using PaymentNotifications.Grains.Security;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Tests.Infrastructure;
using Npgsql;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>Webhook secrets are stored sealed under Security:EncryptionKey and served in clear only where the contract says.</summary>
public abstract class SecretsAtRestTests
{
    protected abstract Task<string?> ConnectionStringAsync();

    private static GrainId EndpointGrain(ApiScenario scenario, string merchantId) =>
        GrainId.Create("merchant-endpoint", MerchantEndpointKey.For(scenario.OwnerTenantId, merchantId));

    private static IGrainStorage Storage(ApiScenario scenario) => scenario.App.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Grains);

    private static async Task<MerchantEndpointState> StoredAsync(ApiScenario scenario, string merchantId)
    {
        var state = new GrainState<MerchantEndpointState>(new MerchantEndpointState());
        await Storage(scenario).ReadStateAsync("merchant-endpoint", EndpointGrain(scenario, merchantId), state);
        return state.State!;
    }

    [Fact]
    public async Task Webhook_secrets_are_stored_sealed_and_served_in_clear()
    {
        await using var scenario = await ApiScenario.StartAsync(await ConnectionStringAsync());
        var rotation = await (await scenario.Owner.PostAsync($"/v1/merchants/{ApiScenario.MerchantId}/webhook-endpoint/rotate-secret", null)).ReadJsonAsync();
        var rotated = rotation["secret"]!.GetValue<string>();

        var stored = await StoredAsync(scenario, ApiScenario.MerchantId);
        var endpoint = await (await scenario.Owner.GetAsync($"/v1/merchants/{ApiScenario.MerchantId}/webhook-endpoint")).ReadJsonAsync();

        Assert.Equal(2, stored.SchemaVersion);
        Assert.Equal(2, stored.Secrets.Count);
        Assert.All(stored.Secrets, s => Assert.StartsWith(SecretProtector.Prefix, s.Value));
        foreach (var secret in new[] { scenario.Secret, rotated })
        {
            Assert.All(stored.Secrets, s => Assert.DoesNotContain(secret["whsec_".Length..], s.Value));
        }
        Assert.Equal(rotated, endpoint["secret"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_secret_stored_in_clear_by_an_older_version_is_sealed_when_the_endpoint_activates()
    {
        await using var scenario = await ApiScenario.StartAsync(await ConnectionStringAsync());
        const string merchantId = "m-legacy";
        const string legacySecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var grainId = EndpointGrain(scenario, merchantId);
        var legacy = new GrainState<MerchantEndpointState>(new MerchantEndpointState
        {
            SchemaVersion = 1,
            Exists = true,
            Url = scenario.Receiver.Url,
            Secrets = [new SigningSecret(legacySecret, null)],
            Enabled = true,
        });
        await Storage(scenario).WriteStateAsync("merchant-endpoint", grainId, legacy);

        var endpoint = await (await scenario.Owner.GetAsync($"/v1/merchants/{merchantId}/webhook-endpoint")).ReadJsonAsync();
        var stored = await StoredAsync(scenario, merchantId);

        Assert.Equal(legacySecret, endpoint["secret"]!.GetValue<string>());
        Assert.Equal(2, stored.SchemaVersion);
        Assert.StartsWith(SecretProtector.Prefix, stored.Secrets.Single().Value);
    }
}

public sealed class MemorySecretsAtRestTests : SecretsAtRestTests
{
    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

public sealed class PostgresSecretsAtRestTests : SecretsAtRestTests
{
    protected override async Task<string?> ConnectionStringAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync("secrets");

    [Fact]
    public async Task No_stored_row_holds_a_webhook_secret()
    {
        var database = await ConnectionStringAsync();
        await using var scenario = await ApiScenario.StartAsync(database);

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT string_agg(convert_from(payload, 'UTF8'), ' ') FROM orleans_grain_state WHERE payload IS NOT NULL", connection);
        var everything = (string)(await command.ExecuteScalarAsync())!;

        Assert.Contains(SecretProtector.Prefix, everything);
        Assert.DoesNotContain(scenario.Secret["whsec_".Length..], everything);
    }

    [Fact]
    public async Task Durable_mode_without_an_encryption_key_refuses_to_start_with_a_clear_message()
    {
        var database = await ConnectionStringAsync();
        await using var missing = new SiloApp(database, new Dictionary<string, string?> { ["Security:EncryptionKey"] = null });
        await using var malformed = new SiloApp(database, new Dictionary<string, string?> { ["Security:EncryptionKey"] = "c2hvcnQ=" });

        var missingError = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(await missing.StartFailureAsync());
        var malformedError = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(await malformed.StartFailureAsync());

        Assert.Contains("Security:EncryptionKey is required in durable mode", missingError.ToString());
        Assert.Contains("openssl rand -base64 32", missingError.ToString());
        Assert.Contains("decodes to 5 bytes", malformedError.ToString());
        Assert.DoesNotContain("c2hvcnQ=", malformedError.ToString());
    }

    [Fact]
    public async Task Dev_mode_without_a_key_starts_with_one_generated_for_the_run()
    {
        await using var app = new SiloApp(null, new Dictionary<string, string?> { ["Security:EncryptionKey"] = null });

        var tenant = await app.NewTenantAsync();

        Assert.Equal(HttpStatusCode.OK, (await tenant.PutAsync("/v1/merchants/m-1/webhook-endpoint",
            new StringContent("{\"url\":\"http://127.0.0.1:9/hooks\"}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }
}
