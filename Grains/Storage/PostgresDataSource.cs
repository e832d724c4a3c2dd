using Npgsql;

namespace PaymentNotifications.Grains.Storage;

/// <summary>The one connection pool of a process, shared by the product's storage and Orleans' ADO.NET providers.</summary>
public static class PostgresDataSource
{
    /// <summary>
    /// The product sets no session state, so a pooled connection needs no DISCARD ALL on return, and its few
    /// statements, prepared automatically, are not parsed and planned again on every use. The pool is capped at
    /// <paramref name="maxPoolSize"/>. The connection string may still set any of these itself.
    /// </summary>
    public static NpgsqlDataSource Build(string connectionString, int maxPoolSize)
    {
        // Read as written: Npgsql's own builder reports every keyword it knows as present.
        var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (!written.Contains("NoResetOnClose"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }
        if (!written.Contains("MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }
        if (!written.Contains("MaximumPoolSize") && !written.Contains("MaxPoolSize"))
        {
            builder.ConnectionStringBuilder.MaxPoolSize = maxPoolSize;
        }
        return builder.Build();
    }
}
