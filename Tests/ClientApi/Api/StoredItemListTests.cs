using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Users;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>
/// GET /v1/templates, /v1/merchants and /v1/users list what a tenant stores by name, in ordinal order, with cursor paging
/// like the notifications' list: every item once, a deleted one gone, another tenant's never. The same table runs on
/// memory and on PostgreSQL, where what was stored before the index existed is listed once its migration has run.
/// </summary>
public abstract class StoredItemListTests
{
    protected abstract Task<string?> ConnectionStringAsync();

    /// <summary>One list: its path, the member that names an item, and how to store and delete (null: no delete) the item <c>name</c>.</summary>
    public sealed record StoredList(
        string Path,
        string Member,
        Func<HttpClient, string, Task<HttpResponseMessage>> Store,
        Func<HttpClient, string, Task<HttpResponseMessage>>? Delete)
    {
        public override string ToString() => Path;
    }

    protected static readonly StoredList Templates = new("/v1/templates", "name",
        (c, name) => c.PutAsJsonAsync($"/v1/templates/{name}/sms/en", new { smsText = "Code {{code}}" }),
        (c, name) => c.DeleteAsync($"/v1/templates/{name}/sms/en"));

    protected static readonly StoredList Merchants = new("/v1/merchants", "merchantId",
        (c, id) => c.PutAsJsonAsync($"/v1/merchants/{id}/webhook-endpoint", new { url = "http://127.0.0.1:9/hooks" }),
        (c, id) => c.DeleteAsync($"/v1/merchants/{id}/webhook-endpoint"));

    protected static readonly StoredList Users = new("/v1/users", "userId",
        (c, id) => c.PutAsJsonAsync($"/v1/users/{id}/preferences", new { channels = new { sms = false } }),
        null);

    public static TheoryData<StoredList> Lists() => [Templates, Merchants, Users];

    public static TheoryData<StoredList> DeletableLists() => [Templates, Merchants];

    private static async Task<JsonObject> PageAsync(HttpClient tenant, string path)
    {
        var response = await tenant.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    /// <summary>Every page of a list, following nextCursor from the first page to the last.</summary>
    private static async Task<List<List<string>>> PagesAsync(HttpClient tenant, StoredList list, int? limit = null)
    {
        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            var query = string.Join('&', new[] { limit is null ? null : $"limit={limit}", cursor is null ? null : $"cursor={Uri.EscapeDataString(cursor)}" }.OfType<string>());
            var page = await PageAsync(tenant, query.Length == 0 ? list.Path : $"{list.Path}?{query}");
            pages.Add(page["items"]!.AsArray().Select(item => item![list.Member]!.GetValue<string>()).ToList());
            cursor = page["nextCursor"]?.GetValue<string>();
            Assert.True(pages.Count <= 10, "the list does not end");
        }
        while (cursor is not null);
        return pages;
    }

    protected static async Task<List<string>> NamesAsync(HttpClient tenant, StoredList list) => (await PagesAsync(tenant, list)).SelectMany(p => p).ToList();

    protected static async Task StoreAsync(HttpClient tenant, StoredList list, params string[] names)
    {
        foreach (var name in names)
        {
            Assert.Equal(HttpStatusCode.OK, (await list.Store(tenant, name)).StatusCode);
        }
    }

    /// <summary>A new tenant: its id, its key, and a client with the key.</summary>
    protected static async Task<(string Id, string Key, HttpClient Client)> NewTenantAsync(SiloApp app)
    {
        var created = await (await app.Admin().PostAsJsonAsync("/v1/admin/tenants", new { name = $"lists-{Guid.NewGuid():N}" })).ReadJsonAsync();
        var key = created["apiKey"]!.GetValue<string>();
        return (created["id"]!.GetValue<string>(), key, app.Tenant(key));
    }

    /// <summary>What delivery does for a send to a user: the user's grain writes its state, with no preferences stored.</summary>
    protected static Task<Admission> AdmitSendAsync(SiloApp app, string tenantId, string userId) =>
        app.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>(UserKey.For(tenantId, userId))
            .Admit($"ntf_{Guid.NewGuid():N}", "charge.paid", Channel.Sms, Priority.Normal);

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task A_list_pages_through_the_tenants_items_in_name_order_each_once(StoredList list)
    {
        await using var app = new SiloApp(await ConnectionStringAsync());
        var tenant = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        await StoreAsync(tenant, list, "e-5", "a-1", "d-4", "b-2", "c-3");
        await StoreAsync(other, list, "z-9", "c-3", "a-0");
        // Storing an item again replaces it; it is still listed once.
        await StoreAsync(tenant, list, "a-1");

        var pages = await PagesAsync(tenant, list, limit: 2);
        var othersNames = await NamesAsync(other, list);

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        Assert.Equal(["a-1", "b-2", "c-3", "d-4", "e-5"], pages.SelectMany(p => p));
        Assert.Equal(["a-0", "c-3", "z-9"], othersNames);
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task A_page_is_the_default_50_unless_limit_says_otherwise_and_its_last_page_has_no_cursor(StoredList list)
    {
        await using var app = new SiloApp(await ConnectionStringAsync());
        var tenant = await app.NewTenantAsync();
        var names = Enumerable.Range(0, 51).Select(n => $"item-{n:D2}").ToArray();
        await StoreAsync(tenant, list, names);

        var first = await PageAsync(tenant, list.Path);
        var rest = await PageAsync(tenant, $"{list.Path}?cursor={Uri.EscapeDataString(first["nextCursor"]!.GetValue<string>())}");
        var whole = await PageAsync(tenant, $"{list.Path}?limit=51");

        Assert.Equal(50, first["items"]!.AsArray().Count);
        Assert.Equal(names[50], Assert.Single(rest["items"]!.AsArray())![list.Member]!.GetValue<string>());
        Assert.Null(rest["nextCursor"]);
        Assert.Equal(51, whole["items"]!.AsArray().Count);
        Assert.Null(whole["nextCursor"]);
    }

    [Theory]
    [MemberData(nameof(DeletableLists))]
    public async Task A_deleted_item_is_no_longer_listed(StoredList list)
    {
        await using var app = new SiloApp(await ConnectionStringAsync());
        var tenant = await app.NewTenantAsync();
        await StoreAsync(tenant, list, "a-1", "b-2", "c-3");

        Assert.Equal(HttpStatusCode.NoContent, (await list.Delete!(tenant, "b-2")).StatusCode);

        Assert.Equal(["a-1", "c-3"], await NamesAsync(tenant, list));
    }

    [Fact]
    public async Task A_template_is_listed_until_its_last_variant_is_deleted()
    {
        await using var app = new SiloApp(await ConnectionStringAsync());
        var tenant = await app.NewTenantAsync();
        await StoreAsync(tenant, Templates, "receipt");
        (await tenant.PutAsJsonAsync("/v1/templates/receipt/sms/pt", new { smsText = "Código {{code}}" })).EnsureSuccessStatusCode();

        await tenant.DeleteAsync("/v1/templates/receipt/sms/en");
        var afterOne = await NamesAsync(tenant, Templates);
        await tenant.DeleteAsync("/v1/templates/receipt/sms/pt");
        var afterBoth = await NamesAsync(tenant, Templates);

        Assert.Equal(["receipt"], afterOne);
        Assert.Empty(afterBoth);
    }

    [Fact]
    public async Task A_user_known_only_from_a_send_is_not_listed()
    {
        await using var app = new SiloApp(await ConnectionStringAsync());
        var (tenantId, _, tenant) = await NewTenantAsync(app);
        await StoreAsync(tenant, Users, "u-with-preferences");

        var admission = await AdmitSendAsync(app, tenantId, "u-sent-to");

        Assert.Equal(AdmissionOutcome.Deliver, admission.Outcome);
        Assert.Equal(["u-with-preferences"], await NamesAsync(tenant, Users));
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task A_bad_limit_or_cursor_is_400_naming_the_parameter(StoredList list)
    {
        await using var app = new SiloApp(await ConnectionStringAsync());
        var tenant = await app.NewTenantAsync();
        await StoreAsync(tenant, list, "a-1", "b-2");
        await StoreAsync(tenant, Templates, "t-1", "t-2");
        var templatesCursor = (await PageAsync(tenant, "/v1/templates?limit=1"))["nextCursor"]!.GetValue<string>();
        var notificationsCursor = new PaymentNotifications.Grains.Interfaces.Notifications.NotificationCursor(DateTimeOffset.UtcNow, "ntf_x").Encode();
        (string Query, string Field)[] bad =
        [
            ("limit=0", "limit"), ("limit=101", "limit"), ("limit=-1", "limit"), ("limit=ten", "limit"), ("limit=", "limit"),
            ("cursor=not-a-cursor", "cursor"), ("cursor=%21%21", "cursor"), ($"cursor={notificationsCursor}", "cursor"),
        ];
        if (list != Templates)
        {
            // A cursor is good only for the list that gave it.
            bad = [.. bad, ($"cursor={Uri.EscapeDataString(templatesCursor)}", "cursor")];
        }

        foreach (var (query, field) in bad)
        {
            var response = await tenant.GetAsync($"{list.Path}?{query}");
            var problem = await response.ReadJsonAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query}: {(int)response.StatusCode}");
            Assert.Equal("/problems/validation-failed", problem["type"]!.GetValue<string>());
            Assert.Equal([field], problem["errors"]!.AsObject().Select(e => e.Key));
        }
    }
}

public sealed class MemoryStoredItemListTests : StoredItemListTests
{
    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

public sealed class PostgresStoredItemListTests : StoredItemListTests
{
    protected override async Task<string?> ConnectionStringAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync("lists");

    [Fact]
    public async Task What_was_stored_before_the_index_existed_is_listed_once_its_migration_has_run()
    {
        var database = await ConnectionStringAsync();
        string key, otherKey;
        await using (var before = new SiloApp(database))
        {
            var (tenantId, tenantKey, tenant) = await NewTenantAsync(before);
            var (_, othersKey, other) = await NewTenantAsync(before);
            (key, otherKey) = (tenantKey, othersKey);
            await StoreAsync(tenant, Templates, "kept", "emptied");
            (await tenant.PutAsJsonAsync("/v1/templates/kept/sms/pt", new { smsText = "Código {{code}}" })).EnsureSuccessStatusCode();
            await Templates.Delete!(tenant, "emptied");
            await StoreAsync(tenant, Merchants, "m-kept", "m-deleted");
            await Merchants.Delete!(tenant, "m-deleted");
            await StoreAsync(tenant, Users, "u-with-preferences");
            await AdmitSendAsync(before, tenantId, "u-sent-to");
            await StoreAsync(other, Templates, "kept", "only-other");
        }
        // The database as it was before migration 007: grain state stored, no index, the migration not applied.
        var migration = SchemaMigrator.Migrations.Single(m => m.Id.EndsWith("007_stored_items.sql", StringComparison.Ordinal)).Id;
        long sentToRows;
        await using (var dataSource = NpgsqlDataSource.Create(database!))
        {
            await using (var sentTo = dataSource.CreateCommand("SELECT count(*) FROM orleans_grain_state WHERE state_name = 'user' AND grain_id_extension LIKE '%/u-sent-to' AND payload IS NOT NULL"))
            {
                sentToRows = (long)(await sentTo.ExecuteScalarAsync())!;
            }
            await using var undo = dataSource.CreateCommand($"DROP TABLE stored_items; DELETE FROM schema_migrations WHERE id = '{migration}'");
            await undo.ExecuteNonQueryAsync();
        }

        // The silo's start applies the migration again, and with it the backfill.
        await using var after = new SiloApp(database);

        // The user a send was admitted for has grain state, but no preferences: it is not listed.
        Assert.Equal(1, sentToRows);
        Assert.Equal(["kept"], await NamesAsync(after.Tenant(key), Templates));
        Assert.Equal(["m-kept"], await NamesAsync(after.Tenant(key), Merchants));
        Assert.Equal(["u-with-preferences"], await NamesAsync(after.Tenant(key), Users));
        Assert.Equal(["kept", "only-other"], await NamesAsync(after.Tenant(otherKey), Templates));
        Assert.Empty(await NamesAsync(after.Tenant(otherKey), Users));
    }
}
