using PaymentNotifications.Runtime.Hosting;
using Npgsql;

namespace PaymentNotifications.Tests.Runtime;

/// <summary>How the runtime's PostgreSQL connections are pooled.</summary>
public sealed class DataSourceTests
{
    [Fact]
    public void Pooled_connections_skip_the_reset_and_prepare_statements_unless_the_connection_string_says_otherwise()
    {
        using var plain = SiloBuilder.BuildDataSource("Host=127.0.0.1;Database=notifications");
        using var chosen = SiloBuilder.BuildDataSource("Host=127.0.0.1;Database=notifications;No Reset On Close=false;MaxAutoPrepare=0");

        var defaults = new NpgsqlConnectionStringBuilder(plain.ConnectionString);
        var explicitly = new NpgsqlConnectionStringBuilder(chosen.ConnectionString);

        Assert.True(defaults.NoResetOnClose);
        Assert.Equal(64, defaults.MaxAutoPrepare);
        Assert.False(explicitly.NoResetOnClose);
        Assert.Equal(0, explicitly.MaxAutoPrepare);
    }
}
