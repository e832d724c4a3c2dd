using Npgsql;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Grains.Storage;

/// <summary>The index of stored item names in the <c>stored_items</c> table (migration 007), keyed (tenant, kind, name).</summary>
public sealed class PostgresStoredItemIndex(NpgsqlDataSource dataSource) : IStoredItemIndex
{
    public async Task AddAsync(string tenantId, StoredKind kind, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO stored_items (tenant_id, kind, name) VALUES (@tenant, @kind, @name) ON CONFLICT DO NOTHING");
        await ExecuteAsync(command, tenantId, kind, name, cancellationToken);
    }

    public async Task RemoveAsync(string tenantId, StoredKind kind, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM stored_items WHERE tenant_id = @tenant AND kind = @kind AND name = @name");
        await ExecuteAsync(command, tenantId, kind, name, cancellationToken);
    }

    public async Task<StoredItemPage> ListAsync(string tenantId, StoredKind kind, string? after, int limit, CancellationToken cancellationToken)
    {
        // The name column's collation is "C", so both the comparison and the order are ordinal, as in memory.
        await using var command = dataSource.CreateCommand("""
            SELECT name FROM stored_items
            WHERE tenant_id = @tenant AND kind = @kind AND (@after::text IS NULL OR name > @after)
            ORDER BY name LIMIT @limit
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("kind", KindOf(kind));
        command.Parameters.AddWithValue("after", (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue("limit", limit + 1);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }
        return new StoredItemPage(names.Take(limit).ToList(), names.Count > limit);
    }

    /// <summary>The stored name of a kind; the migration's CHECK and backfill use the same three.</summary>
    private static string KindOf(StoredKind kind) => kind switch
    {
        StoredKind.Templates => "templates",
        StoredKind.WebhookEndpoints => "webhook-endpoints",
        StoredKind.Users => "users",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a stored kind."),
    };

    private static async Task ExecuteAsync(NpgsqlCommand command, string tenantId, StoredKind kind, string name, CancellationToken cancellationToken)
    {
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("kind", KindOf(kind));
        command.Parameters.AddWithValue("name", name);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
