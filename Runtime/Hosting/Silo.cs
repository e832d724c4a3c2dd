using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Notifications.Orleans.Runtime.Activation;
using Notifications.Orleans.Runtime.Membership;
using Notifications.Orleans.Runtime.Reminders;
using Notifications.Orleans.Runtime.Storage.Postgres;

namespace Notifications.Orleans.Runtime.Hosting;

/// <summary>
/// The silo's life: migrate the schema, join the cluster and take partitions, run the lease,
/// reminder and idle-collection loops, and on stop hand everything over before exiting.
/// </summary>
public sealed class Silo(
    IServiceProvider services,
    LeaseManager leaseManager,
    ReminderService reminders,
    Catalog catalog,
    TimeProvider time,
    IOptions<ClusterOptions> clusterOptions,
    IOptions<GrainCollectionOptions> collectionOptions,
    IHostApplicationLifetime lifetime,
    ILogger<Silo> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];

    public string SiloId => leaseManager.SiloId;

    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>The address other silos reach this one at.</summary>
    public string Address { get; private set; } = "";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        StartedAt = time.GetUtcNow();
        if (services.GetService<SchemaMigrator>() is { } migrator)
        {
            var applied = await migrator.MigrateAsync(cancellationToken);
            logger.LogInformation("Schema ready ({Applied} migrations applied)", applied.Count);
        }
        Address = clusterOptions.Value.InternalUrl;
        await leaseManager.JoinAsync(Address, cancellationToken);
        logger.LogInformation("Silo {SiloId} joined and owns {Count} partitions", SiloId, services.GetRequiredService<PartitionOwnership>().ValidPartitions.Count);

        lifetime.ApplicationStarted.Register(() => _ = AdvertiseListenerAsync());
        _loops.Add(Task.Run(() => leaseManager.RunAsync(_stopping.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => reminders.RunAsync(_stopping.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => CollectIdleAsync(_stopping.Token), CancellationToken.None));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops);
        try
        {
            await leaseManager.LeaveAsync(cancellationToken);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Silo {SiloId} could not hand its partitions over; they move when the leases expire", SiloId);
        }
        logger.LogInformation("Silo {SiloId} stopped in {Elapsed} ms", SiloId, (int)time.GetElapsedTime(started).TotalMilliseconds);
    }

    // The listener's address is known only once the server has started.
    private async Task AdvertiseListenerAsync()
    {
        if (!string.IsNullOrEmpty(clusterOptions.Value.InternalUrl))
        {
            return;
        }
        var server = services.GetService<IServer>();
        var address = server?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return;
        }
        Address = address.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal);
        try
        {
            await leaseManager.AdvertiseAsync(Address, StartedAt, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not advertise silo address {Address}", Address);
        }
    }

    private async Task CollectIdleAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(collectionOptions.Value.CollectionQuantum, time, stoppingToken);
                var collected = await catalog.CollectIdleAsync();
                if (collected > 0)
                {
                    logger.LogDebug("Deactivated {Count} idle activations", collected);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Idle collection failed");
            }
        }
    }
}
