using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>
/// What a tenant can store is bounded (<c>Quotas:*</c>): past a limit a store is 409 <c>/problems/quota-exceeded</c>
/// naming the key and nothing is stored; replacing what exists always works, a delete frees a place, and another
/// tenant has its own count. The same table of stores runs on memory and on PostgreSQL, where the counts outlive a restart.
/// </summary>
public abstract class QuotaTests
{
    private const int Limit = 2;

    protected abstract Task<string?> ConnectionStringAsync();

    /// <summary>One kind of stored item: how to store item <c>n</c>, delete it (null: no delete), and tell whether it is stored.</summary>
    public sealed record StoredItem(
        string Kind,
        string Quota,
        Func<HttpClient, int, Task<HttpResponseMessage>> Store,
        Func<HttpClient, int, Task<HttpResponseMessage>>? Delete,
        Func<HttpClient, int, Task<bool>> IsStored)
    {
        public override string ToString() => Kind;
    }

    private static readonly StoredItem[] Items =
    [
        new("templates", "Quotas:Templates",
            (c, n) => c.PutAsJsonAsync($"/v1/templates/receipt-{n}/sms/en", new { smsText = "Code {{code}}" }),
            (c, n) => c.DeleteAsync($"/v1/templates/receipt-{n}/sms/en"),
            async (c, n) => (await c.GetAsync($"/v1/templates/receipt-{n}")).IsSuccessStatusCode),
        new("webhookEndpoints", "Quotas:WebhookEndpoints",
            (c, n) => c.PutAsJsonAsync($"/v1/merchants/m-{n}/webhook-endpoint", new { url = "http://127.0.0.1:9/hooks" }),
            (c, n) => c.DeleteAsync($"/v1/merchants/m-{n}/webhook-endpoint"),
            async (c, n) => (await c.GetAsync($"/v1/merchants/m-{n}/webhook-endpoint")).IsSuccessStatusCode),
        new("users", "Quotas:Users",
            (c, n) => c.PutAsJsonAsync($"/v1/users/u-{n}/preferences", new { channels = new { sms = false } }),
            null,
            async (c, n) => (await (await c.GetAsync($"/v1/users/u-{n}/preferences")).ReadJsonAsync())["channels"] is JsonObject),
    ];

    public static TheoryData<StoredItem> Kinds() => [.. Items];

    public static TheoryData<StoredItem> DeletableKinds() => [.. Items.Where(i => i.Delete is not null)];

    private async Task<SiloApp> StartAsync(string? database) =>
        new(database, new Dictionary<string, string?>
        {
            ["Quotas:Templates"] = $"{Limit}",
            ["Quotas:TemplateVariants"] = $"{Limit}",
            ["Quotas:WebhookEndpoints"] = $"{Limit}",
            ["Quotas:Users"] = $"{Limit}",
        });

    private static async Task<int> UsedAsync(HttpClient tenant, string kind)
    {
        var quotas = (await (await tenant.GetAsync("/v1/quotas")).ReadJsonAsync())["quotas"]!.AsArray();
        var quota = quotas.Single(q => q!["kind"]!.GetValue<string>() == kind)!;
        Assert.Equal(Limit, quota["limit"]!.GetValue<int>());
        return quota["used"]!.GetValue<int>();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Past_its_quota_a_tenant_gets_409_naming_it_and_nothing_is_stored(StoredItem item)
    {
        await using var app = await StartAsync(await ConnectionStringAsync());
        var tenant = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();

        var within = new[] { await item.Store(tenant, 1), await item.Store(tenant, 2) };
        var replaced = await item.Store(tenant, 1);
        var over = await item.Store(tenant, 3);
        var problem = await over.ReadJsonAsync();
        var otherTenant = await item.Store(other, 3);

        Assert.All(within, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, over.StatusCode);
        Assert.Equal("/problems/quota-exceeded", problem["type"]!.GetValue<string>());
        Assert.Equal(item.Quota, problem["quota"]!.GetValue<string>());
        Assert.Equal(Limit, problem["limit"]!.GetValue<int>());
        Assert.Contains(item.Quota, problem["detail"]!.GetValue<string>());
        Assert.False(await item.IsStored(tenant, 3));
        Assert.Equal(Limit, await UsedAsync(tenant, item.Kind));
        Assert.Equal(HttpStatusCode.OK, otherTenant.StatusCode);
        Assert.Equal(1, await UsedAsync(other, item.Kind));
    }

    [Theory]
    [MemberData(nameof(DeletableKinds))]
    public async Task A_delete_frees_a_place_for_a_new_item(StoredItem item)
    {
        await using var app = await StartAsync(await ConnectionStringAsync());
        var tenant = await app.NewTenantAsync();
        await item.Store(tenant, 1);
        await item.Store(tenant, 2);

        var deleted = await item.Delete!(tenant, 1);
        var deletedAgain = await item.Delete!(tenant, 1);
        var usedAfterDelete = await UsedAsync(tenant, item.Kind);
        var stored = await item.Store(tenant, 3);

        Assert.True(deleted.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deletedAgain.StatusCode);
        Assert.Equal(Limit - 1, usedAfterDelete);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.True(await item.IsStored(tenant, 3));
    }

    [Fact]
    public async Task A_template_holds_a_bounded_number_of_variants()
    {
        await using var app = await StartAsync(await ConnectionStringAsync());
        var tenant = await app.NewTenantAsync();

        var en = await tenant.PutAsJsonAsync("/v1/templates/receipt/sms/en", new { smsText = "Code {{code}}" });
        var pt = await tenant.PutAsJsonAsync("/v1/templates/receipt/sms/pt", new { smsText = "Código {{code}}" });
        var fr = await tenant.PutAsJsonAsync("/v1/templates/receipt/sms/fr", new { smsText = "Code {{code}}" });
        var problem = await fr.ReadJsonAsync();
        var variants = JsonNode.Parse(await (await tenant.GetAsync("/v1/templates/receipt")).Content.ReadAsStringAsync())!.AsArray().Count;

        Assert.Equal(HttpStatusCode.OK, en.StatusCode);
        Assert.Equal(HttpStatusCode.OK, pt.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, fr.StatusCode);
        Assert.Equal("Quotas:TemplateVariants", problem["quota"]!.GetValue<string>());
        Assert.Equal(Limit, variants);
        // Variants of one template count once against Quotas:Templates.
        Assert.Equal(1, await UsedAsync(tenant, "templates"));
    }

    [Fact]
    public async Task An_invalid_template_takes_no_place()
    {
        await using var app = await StartAsync(await ConnectionStringAsync());
        var tenant = await app.NewTenantAsync();

        var invalid = await tenant.PutAsJsonAsync("/v1/templates/receipt/sms/en", new { smsText = "Code {{#each" });

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(0, await UsedAsync(tenant, "templates"));
    }
}

public sealed class MemoryQuotaTests : QuotaTests
{
    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

public sealed class PostgresQuotaTests : QuotaTests
{
    protected override async Task<string?> ConnectionStringAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync("quotas");

    [Fact]
    public async Task The_counts_outlive_a_restart()
    {
        var database = await ConnectionStringAsync();
        string key;
        await using (var first = new SiloApp(database, new Dictionary<string, string?> { ["Quotas:WebhookEndpoints"] = "1" }))
        {
            var tenant = await first.NewTenantAsync();
            key = tenant.DefaultRequestHeaders.Authorization!.Parameter!;
            Assert.Equal(HttpStatusCode.OK, (await tenant.PutAsJsonAsync("/v1/merchants/m-1/webhook-endpoint", new { url = "http://127.0.0.1:9/hooks" })).StatusCode);
        }
        await using var second = new SiloApp(database, new Dictionary<string, string?> { ["Quotas:WebhookEndpoints"] = "1" });

        var over = await second.Tenant(key).PutAsJsonAsync("/v1/merchants/m-2/webhook-endpoint", new { url = "http://127.0.0.1:9/hooks" });

        Assert.Equal(HttpStatusCode.Conflict, over.StatusCode);
    }
}
