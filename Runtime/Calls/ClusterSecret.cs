using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime.Hosting;
using Npgsql;

namespace PaymentNotifications.Runtime.Calls;

/// <summary>
/// The shared secret of the cluster's internal endpoint: <c>Cluster:Secret</c> when configured;
/// otherwise one made by the first silo and kept in PostgreSQL (rt_cluster_secret), so silos that
/// find each other through the database also agree on it; in memory mode a random one per process.
/// </summary>
public sealed class ClusterSecret(IOptions<ClusterOptions> options, IServiceProvider services)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _secret;

    /// <summary>The secret as sent in <see cref="SiloInternalEndpoint.SecretHeader"/>; resolved once, then cached.</summary>
    public async ValueTask<string> GetAsync(CancellationToken cancellationToken) => Encoding.UTF8.GetString(await GetBytesAsync(cancellationToken));

    /// <summary>Whether a presented header value is the secret (constant-time comparison).</summary>
    public async ValueTask<bool> MatchesAsync(string? presented, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }
        var secret = await GetBytesAsync(cancellationToken);
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), secret);
    }

    private async ValueTask<byte[]> GetBytesAsync(CancellationToken cancellationToken)
    {
        if (_secret is { } known)
        {
            return known;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _secret ??= Encoding.UTF8.GetBytes(await ResolveAsync(cancellationToken));
            return _secret;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string> ResolveAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.Value.Secret))
        {
            return options.Value.Secret;
        }
        var dataSource = services.GetService<NpgsqlDataSource>();
        if (dataSource is null)
        {
            return Generate();
        }
        // The first silo's insert wins; a silo racing it sees the row on the next statement's snapshot.
        for (var attempt = 0; ; attempt++)
        {
            await using var command = dataSource.CreateCommand("""
                WITH inserted AS (
                    INSERT INTO rt_cluster_secret (id, secret) VALUES (1, @secret) ON CONFLICT (id) DO NOTHING RETURNING secret
                )
                SELECT secret FROM inserted UNION ALL SELECT secret FROM rt_cluster_secret WHERE id = 1 LIMIT 1
                """);
            command.Parameters.AddWithValue("secret", Generate());
            if (await command.ExecuteScalarAsync(cancellationToken) is string secret)
            {
                return secret;
            }
            if (attempt == 3)
            {
                throw new InvalidOperationException("The cluster secret could not be read from rt_cluster_secret.");
            }
        }
    }

    private static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
