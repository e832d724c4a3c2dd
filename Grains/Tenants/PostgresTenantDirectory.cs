using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Interfaces.Tenants;
using Npgsql;

namespace PaymentNotifications.Grains.Tenants;

/// <summary>
/// Tenants and API keys in PostgreSQL; keys are found by their hash (unique index), never stored in clear.
/// Successful lookups are remembered for <see cref="TenantDirectoryOptions.KeyCacheTtl"/>; a revoke here forgets
/// the key at once.
/// </summary>
public sealed class PostgresTenantDirectory(NpgsqlDataSource dataSource, TimeProvider time, IOptions<TenantDirectoryOptions> options) : ITenantDirectory
{
    private readonly ApiKeyCache _cache = new(time, options.Value.KeyCacheTtlValue);

    public async Task<(TenantInfo Tenant, string ApiKey)> CreateTenantAsync(string name, CancellationToken cancellationToken)
    {
        var tenant = new TenantInfo(ApiKeys.NewId("ten"), name, time.GetUtcNow());
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("INSERT INTO tenants (id, name, created_at) VALUES (@id, @name, @created) ON CONFLICT (name) DO NOTHING", connection, transaction))
        {
            insert.Parameters.AddWithValue("id", tenant.Id);
            insert.Parameters.AddWithValue("name", name);
            insert.Parameters.AddWithValue("created", tenant.CreatedAt.UtcDateTime);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                throw new TenantNameTakenException(name);
            }
        }
        var apiKey = ApiKeys.Generate();
        await InsertKeyAsync(connection, transaction, tenant.Id, apiKey, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (tenant, apiKey);
    }

    public async Task EnsureTenantAsync(string id, string name, string apiKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("INSERT INTO tenants (id, name, created_at) VALUES (@id, @name, now()) ON CONFLICT DO NOTHING", connection, transaction))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("name", name);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                await InsertKeyAsync(connection, transaction, id, apiKey, cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<TenantInfo?> AuthenticateAsync(string apiKey, CancellationToken cancellationToken)
    {
        var hash = ApiKeys.Hash(apiKey);
        var hashHex = Convert.ToHexStringLower(hash);
        if (_cache.Find(hashHex) is { } cached)
        {
            return cached;
        }
        var generation = _cache.Generation;
        await using var command = dataSource.CreateCommand("""
            SELECT t.id, t.name, t.created_at, k.id FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
            WHERE k.key_hash = @hash AND k.revoked_at IS NULL
            """);
        command.Parameters.AddWithValue("hash", hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var tenant = new TenantInfo(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
        _cache.Add(hashHex, tenant, reader.GetString(3), generation);
        return tenant;
    }

    public async Task<TenantInfo?> GetTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, name, created_at FROM tenants WHERE id = @id");
        command.Parameters.AddWithValue("id", tenantId);
        return (await ReadTenantsAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<TenantInfo>> ListTenantsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, name, created_at FROM tenants ORDER BY created_at");
        return await ReadTenantsAsync(command, cancellationToken);
    }

    public async Task<(ApiKeyInfo Key, string ApiKey)> CreateKeyAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var apiKey = ApiKeys.Generate();
        return (await InsertKeyAsync(connection, null, tenantId, apiKey, cancellationToken), apiKey);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, tenant_id, prefix, created_at, revoked_at FROM api_keys WHERE tenant_id = @tenant ORDER BY created_at");
        command.Parameters.AddWithValue("tenant", tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new ApiKeyInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return keys;
    }

    public async Task<bool> RevokeKeyAsync(string tenantId, string keyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = @id AND tenant_id = @tenant");
        command.Parameters.AddWithValue("id", keyId);
        command.Parameters.AddWithValue("tenant", tenantId);
        var revoked = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        _cache.Forget(keyId);
        return revoked;
    }

    private async Task<ApiKeyInfo> InsertKeyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenantId, string apiKey, CancellationToken cancellationToken)
    {
        var info = new ApiKeyInfo(ApiKeys.NewId("key"), tenantId, ApiKeys.ShownPrefix(apiKey), time.GetUtcNow(), null);
        await using var command = new NpgsqlCommand("INSERT INTO api_keys (id, tenant_id, prefix, key_hash, created_at) VALUES (@id, @tenant, @prefix, @hash, @created)", connection, transaction);
        command.Parameters.AddWithValue("id", info.Id);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("prefix", info.Prefix);
        command.Parameters.AddWithValue("hash", ApiKeys.Hash(apiKey));
        command.Parameters.AddWithValue("created", info.CreatedAt.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return info;
    }

    private static async Task<IReadOnlyList<TenantInfo>> ReadTenantsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tenants = new List<TenantInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(new TenantInfo(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return tenants;
    }
}
