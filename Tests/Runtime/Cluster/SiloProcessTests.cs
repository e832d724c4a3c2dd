using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime;
using PaymentNotifications.Runtime.Diagnostics;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Storage.Postgres;
using PaymentNotifications.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.Runtime.Cluster;

/// <summary>Three real silo processes on one PostgreSQL, with the production lease settings: kill -9 and SIGTERM under load.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloProcessTests(ITestOutputHelper output)
{
    private const int Grains = 300;

    [Fact]
    public async Task Grains_of_a_killed_silo_process_answer_again_within_ten_seconds_and_a_stopped_one_hands_over_sooner()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("processes");
        var configuration = new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["Cluster:Secret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)),
            ["Cluster:DiagnosticGrains"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var defaults = new ClusterOptions();
        var silos = Enumerable.Range(1, 3).Select(i => SiloProcess.Start($"process-silo-{i}",
            new Dictionary<string, string>(configuration) { ["Cluster:SiloId"] = $"process-silo-{i}" })).ToList();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var leases = new PostgresPartitionLeaseTable(dataSource);
        try
        {
            await WaitForBalancedAsync(leases, silos.Select(s => s.Name).ToList(), defaults.PartitionCount, TimeSpan.FromSeconds(60));
            using var client = await StartClientAsync(configuration);
            var grains = client.Services.GetRequiredService<IGrainFactory>();
            var partitions = client.Services.GetRequiredService<PartitionMap>();
            var typeName = GrainTypeRegistry.TypeNameOf(typeof(IDiagnosticCounterGrain));
            var keys = Enumerable.Range(0, Grains).Select(i => $"d{i}").ToList();
            var acknowledged = new ConcurrentDictionary<string, int>();
            var inDoubt = new ConcurrentDictionary<string, int>();
            var unexpected = new ConcurrentQueue<Exception>();
            using var stopLoad = new CancellationTokenSource();

            async Task LoadAsync()
            {
                while (!stopLoad.IsCancellationRequested)
                {
                    var key = keys[Random.Shared.Next(keys.Count)];
                    try
                    {
                        await grains.GetGrain<IDiagnosticCounterGrain>(key).Increment();
                        acknowledged.AddOrUpdate(key, 1, (_, n) => n + 1);
                    }
                    catch (Exception e) when (e is SiloUnavailableException or TimeoutException)
                    {
                        inDoubt.AddOrUpdate(key, 1, (_, n) => n + 1);
                    }
                    catch (Exception e)
                    {
                        unexpected.Enqueue(e);
                    }
                }
            }

            var load = Enumerable.Range(0, 16).Select(_ => Task.Run(LoadAsync)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(2));

            // kill -9 one silo under load: every one of its grains must answer again within ten seconds.
            var killed = silos[1];
            var killedKeys = await KeysOwnedByAsync(leases, partitions, typeName, keys, killed.Name);
            var clock = Stopwatch.StartNew();
            killed.Kill();
            var afterKill = await Task.WhenAll(killedKeys.Select(async k =>
            {
                await ReadAsync(grains, k);
                return clock.Elapsed;
            }));
            var takeover = afterKill.Max();

            // SIGTERM another: it hands its partitions over without waiting for its leases to expire.
            var stopped = silos[2];
            var stoppedKeys = await KeysOwnedByAsync(leases, partitions, typeName, keys, stopped.Name);
            clock.Restart();
            stopped.Terminate();
            var afterStop = await Task.WhenAll(stoppedKeys.Select(async k =>
            {
                await ReadAsync(grains, k);
                return clock.Elapsed;
            }));
            var handover = afterStop.Max();
            Assert.True(await stopped.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the stopped silo exited");
            var exited = clock.Elapsed;

            await Task.Delay(TimeSpan.FromSeconds(1));
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);

            output.WriteLine($"kill -9 of {killed.Name} ({killedKeys.Count} of {Grains} grains): all answered again after {takeover.TotalSeconds:F2} s " +
                $"(lease {defaults.LeaseDuration.TotalSeconds} s, death timeout {defaults.SiloDeathTimeout.TotalSeconds} s)");
            output.WriteLine($"SIGTERM of {stopped.Name} ({stoppedKeys.Count} grains): all answered again after {handover.TotalSeconds:F2} s, process exited after {exited.TotalSeconds:F2} s");
            output.WriteLine($"increments acknowledged: {acknowledged.Values.Sum()}, outcome unknown: {inDoubt.Values.Sum()}");

            Assert.Empty(unexpected);
            Assert.NotEmpty(killedKeys);
            Assert.NotEmpty(stoppedKeys);
            Assert.True(takeover < TimeSpan.FromSeconds(10), $"grains of the killed silo answered again only after {takeover}");
            Assert.True(handover < defaults.LeaseDuration, $"grains of the stopped silo answered again only after {handover}");

            // Nothing acknowledged was lost; an increment whose outcome was unknown may or may not have counted.
            foreach (var key in keys)
            {
                var value = (await ReadAsync(grains, key)).Value;
                var acked = acknowledged.GetValueOrDefault(key);
                Assert.InRange(value, acked, acked + inDoubt.GetValueOrDefault(key));
            }
        }
        catch
        {
            foreach (var silo in silos)
            {
                output.WriteLine($"--- {silo.Name} (exited: {silo.HasExited}) ---{Environment.NewLine}{silo.OutputTail()}");
            }
            throw;
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    // A read sent just as its silo died has an unknown outcome like any call; reading again is harmless.
    private static async Task<DiagnosticCount> ReadAsync(IGrainFactory grains, string key)
    {
        while (true)
        {
            try
            {
                return await grains.GetGrain<IDiagnosticCounterGrain>(key).Get();
            }
            catch (SiloUnavailableException)
            {
            }
        }
    }

    private static async Task<IHost> StartClientAsync(IReadOnlyDictionary<string, string> configuration)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration.Select(c => new KeyValuePair<string, string?>(c.Key, c.Value)));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cluster:Role"] = "Client" });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSilo(builder.Configuration, silo => silo.UsePostgres(configuration["ConnectionStrings:Postgres"]));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task WaitForBalancedAsync(IPartitionLeaseTable leases, IReadOnlyList<string> silos, int partitionCount, TimeSpan timeout)
    {
        var desired = PartitionAssignment.Compute(partitionCount, silos);
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                var rows = await leases.ReadAllAsync(CancellationToken.None);
                return rows.Count == partitionCount && rows.All(r => r.Owner == desired[r.Partition] && !r.Expired);
            }
            catch (PostgresException)
            {
                // The first silo has not created the tables yet.
                return false;
            }
        }, timeout, "three silo processes own their share of partitions");
    }

    private static async Task<List<string>> KeysOwnedByAsync(IPartitionLeaseTable leases, PartitionMap partitions, string typeName, IEnumerable<string> keys, string siloId)
    {
        var owners = (await leases.ReadAllAsync(CancellationToken.None)).ToDictionary(r => r.Partition, r => r.Owner);
        return keys.Where(k => owners[partitions.GetPartition(new GrainId(typeName, k))] == siloId).ToList();
    }
}
