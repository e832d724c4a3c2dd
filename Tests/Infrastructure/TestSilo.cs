using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Hosting;

namespace PaymentNotifications.Tests.Infrastructure;

/// <summary>A silo in this process (no HTTP listener), on memory or on a PostgreSQL database.</summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private TestSilo(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    /// <summary>Starts a silo; <paramref name="connectionString"/> null means memory storage.</summary>
    public static async Task<TestSilo> StartAsync(
        string? connectionString,
        Action<SiloBuilder> grains,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:PartitionCount"] = "16",
            ["Reminders:PollInterval"] = "00:00:00.100",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        services?.Invoke(builder.Services);
        builder.Services.AddSilo(builder.Configuration, silo =>
        {
            if (connectionString is not null)
            {
                silo.UsePostgres(connectionString);
            }
            else
            {
                silo.UseMemoryStorage();
            }
            grains(silo);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new TestSilo(host);
    }

    /// <summary>Graceful stop: handover and shutdown as on SIGTERM.</summary>
    public async Task StopAsync() => await _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10));
        }
        catch (ObjectDisposedException)
        {
            // Already stopped by the test.
        }
        _host.Dispose();
    }
}
