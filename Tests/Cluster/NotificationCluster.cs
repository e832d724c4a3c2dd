using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using PaymentNotifications.Api;
using PaymentNotifications.Grains.Hosting;
using PaymentNotifications.Grains.Interfaces;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Merchants;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Security;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Cluster;

/// <summary>
/// Several silos of the notification domain in this process (Orleans' <see cref="InProcessTestCluster"/>, its test
/// membership and transport) on one PostgreSQL database: the notifications table, Orleans' ADO.NET grain storage and
/// reminders. Silos can be killed (a crash: no graceful stop) and added; a new cluster on the same database is a
/// full-cluster restart.
/// </summary>
public sealed class NotificationCluster : IAsyncDisposable
{
    public const string TenantId = "ten_cluster";

    private readonly InProcessTestCluster _cluster;

    private NotificationCluster(InProcessTestCluster cluster, string database)
    {
        _cluster = cluster;
        Database = database;
    }

    public string Database { get; }

    public IClusterClient Client => _cluster.Client;

    public IReadOnlyList<InProcessSiloHandle> Silos => _cluster.Silos;

    /// <summary>Starts <paramref name="silos"/> silos on <paramref name="database"/> (migrated first) with the given settings over fast test defaults.</summary>
    public static async Task<NotificationCluster> StartAsync(string database, int silos, IDictionary<string, string?>? settings = null)
    {
        await using (var migrations = NpgsqlDataSource.Create(database))
        {
            await new SchemaMigrator(migrations, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        }
        var values = new Dictionary<string, string?>
        {
            ["Delivery:RetrySchedule"] = "200ms",
            ["Delivery:AttemptTimeout"] = "5s",
            ["Webhooks:AllowedNetworks"] = "127.0.0.0/8",
            ["Webhooks:RequireHttps"] = "false",
            ["Security:EncryptionKey"] = SiloApp.EncryptionKey,
            ["Scheduling:PollInterval"] = "200ms",
            ["Scheduling:KeepAliveInterval"] = "1s",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var builder = new InProcessTestClusterBuilder((short)silos);
        // Orleans' grain storage and reminders key rows by service id: a restarted cluster must keep it, as a deployment does.
        builder.Options.ServiceId = new NpgsqlConnectionStringBuilder(database).Database!;
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureHost(host =>
        {
            host.Configuration.AddInMemoryCollection(values);
            host.Logging.SetMinimumLevel(LogLevel.Warning);
            host.Services.AddNotificationContracts();
        });
        builder.ConfigureSiloHost((_, host) =>
        {
            var dataSource = PostgresDataSource.Build(database, maxPoolSize: 20);
            host.Services.AddNotificationStores(dataSource);
            host.Services.AddNotificationSecurity(host.Configuration, durable: true);
            host.UseOrleans(silo =>
            {
                silo.AddAdoNetGrainStorage(StorageNames.Grains, o => { o.Invariant = "Npgsql"; o.DataSource = dataSource; });
                silo.UseAdoNetReminderService(o => { o.Invariant = "Npgsql"; o.DataSource = dataSource; });
                silo.AddNotificationGrains(host.Configuration, durable: true);
                // Membership as the product tunes it: a killed silo is declared dead in seconds.
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(1);
                    o.NumMissedProbesLimit = 2;
                    o.NumVotesForDeathDeclaration = 2;
                });
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new NotificationCluster(cluster, database);
    }

    /// <summary>A crash: the silo stops without handing anything over.</summary>
    public Task KillAsync(InProcessSiloHandle silo) => _cluster.KillSiloAsync(silo);

    public Task<InProcessSiloHandle> AddSiloAsync() => _cluster.StartAdditionalSiloAsync();

    /// <summary>Every silo crashes at once (a full-cluster outage); the database keeps what was acknowledged.</summary>
    public async Task KillAllAsync()
    {
        foreach (var silo in _cluster.Silos.ToList())
        {
            await _cluster.KillSiloAsync(silo);
        }
        await _cluster.StopClusterClientAsync();
    }

    /// <summary>Puts the merchant's endpoint at the receiver and tells the receiver its secret.</summary>
    public async Task EndpointAsync(string merchantId, WebhookReceiver receiver)
    {
        var endpoint = await Client.GetGrain<IMerchantEndpointGrain>(MerchantEndpointKey.For(TenantId, merchantId)).Put(new WebhookEndpointRequest { Url = receiver.Url });
        receiver.Secrets = [endpoint.Secret];
    }

    /// <summary>Submits a webhook notification as the API would, returning its id.</summary>
    public async Task<string> SubmitAsync(string key, string merchantId, DateTimeOffset? sendAt = null)
    {
        var request = new NotificationRequest
        {
            IdempotencyKey = key,
            Type = "charge.paid",
            Channel = Channel.Webhook,
            Recipient = new Recipient { MerchantId = merchantId },
            Data = JsonSerializer.SerializeToElement(new { key }),
            SendAt = sendAt,
        };
        var id = NotificationId.For(TenantId, key);
        var outcome = await Client.GetGrain<INotificationGrain>(id).Submit(TenantId, request, NotificationsApi.RequestHash(request));
        return outcome.Status == SubmitStatus.Conflict ? throw new InvalidOperationException($"{key} conflicts") : id;
    }

    public Task<NotificationView?> GetAsync(string id) => Client.GetGrain<INotificationGrain>(id).Get(TenantId);

    /// <summary>Waits until every notification has left PENDING, and returns them.</summary>
    public async Task<IReadOnlyList<NotificationView>> WaitForFinalAsync(IReadOnlyCollection<string> ids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var views = await Task.WhenAll(ids.Select(GetAsync));
            if (views.All(v => v is { State: not NotificationState.Pending }) || DateTime.UtcNow > deadline)
            {
                return views.Select(v => v!).ToList();
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();
}
