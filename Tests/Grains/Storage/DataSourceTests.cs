using Npgsql;
using PaymentNotifications.Grains.Storage;

namespace PaymentNotifications.Tests.Grains.Storage;

/// <summary>How a process's PostgreSQL connections are pooled.</summary>
public sealed class DataSourceTests
{
    [Fact]
    public void Pooled_connections_skip_the_reset_prepare_statements_and_are_capped_unless_the_connection_string_says_otherwise()
    {
        using var plain = PostgresDataSource.Build("Host=127.0.0.1;Database=notifications", maxPoolSize: 25);
        using var chosen = PostgresDataSource.Build("Host=127.0.0.1;Database=notifications;No Reset On Close=false;MaxAutoPrepare=0;Maximum Pool Size=7", maxPoolSize: 25);

        var defaults = new NpgsqlConnectionStringBuilder(plain.ConnectionString);
        var explicitly = new NpgsqlConnectionStringBuilder(chosen.ConnectionString);

        Assert.True(defaults.NoResetOnClose);
        Assert.Equal(64, defaults.MaxAutoPrepare);
        Assert.Equal(25, defaults.MaxPoolSize);
        Assert.False(explicitly.NoResetOnClose);
        Assert.Equal(0, explicitly.MaxAutoPrepare);
        Assert.Equal(7, explicitly.MaxPoolSize);
    }
}
