using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime.Hosting;
using PaymentNotifications.Runtime.Membership;
using PaymentNotifications.Runtime.Reminders;
using PaymentNotifications.Runtime.Storage;

namespace PaymentNotifications.Runtime.Activation;

/// <summary>
/// The activations of this silo: creates them on first call, runs calls on them, drops them when
/// idle, when their partition is handed over and at shutdown.
/// </summary>
public sealed class Catalog
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly IServiceProvider _services;
    private readonly GrainTypeRegistry _registry;
    private readonly PartitionOwnership _ownership;
    private readonly PartitionMap _partitions;
    private readonly TimeProvider _time;
    private readonly IOptions<GrainCollectionOptions> _collection;

    public Catalog(IServiceProvider services, GrainTypeRegistry registry, PartitionOwnership ownership, PartitionMap partitions,
        TimeProvider time, IOptions<GrainCollectionOptions> collection, ILogger<Catalog> logger)
    {
        _services = services;
        _registry = registry;
        _ownership = ownership;
        _partitions = partitions;
        _time = time;
        _collection = collection;
        Logger = logger;
    }

    internal ILogger Logger { get; }

    /// <summary>Number of live activations on this silo.</summary>
    public int Count => _activations.Count;

    /// <summary>Activation counts by grain type.</summary>
    public IReadOnlyDictionary<string, int> CountByType() =>
        _activations.Keys.GroupBy(k => k.Type).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Runs a call on the local activation of the grain, creating it if needed.</summary>
    public async Task<object?> InvokeAsync(GrainId grainId, GrainMethod method, object?[] arguments)
    {
        while (true)
        {
            var activation = GetOrCreate(grainId);
            try
            {
                return await activation.InvokeAsync(method, arguments);
            }
            catch (ActivationGoneException)
            {
                // Deactivated between lookup and turn: the next lookup makes a fresh one.
            }
        }
    }

    /// <summary>Runs a callback as a turn of the grain's local activation (used for reminder ticks).</summary>
    internal async Task<object?> InvokeRemindableAsync(GrainId grainId, string reminderName, TickStatus status)
    {
        var method = GrainMethod.For(typeof(IRemindable).GetMethod(nameof(IRemindable.ReceiveReminder))!);
        return await InvokeAsync(grainId, method, [reminderName, status]);
    }

    private ActivationData GetOrCreate(GrainId grainId)
    {
        var partition = _partitions.GetPartition(grainId);
        var registration = _registry.GetByTypeName(grainId.Type);
        ActivationData activation;
        while (true)
        {
            if (_activations.TryGetValue(grainId, out var existing))
            {
                return existing;
            }
            if (!_ownership.TryGetValidLease(partition, out var epoch))
            {
                throw new PartitionLeaseLostException(partition, $"This silo does not own partition {partition} of {grainId}.");
            }
            activation = new ActivationData(grainId, _ownership.GetFence(partition, epoch), registration.Implementation, this, _time);
            // Lost to a concurrent creation, which may itself be gone again by the next lookup.
            if (_activations.TryAdd(grainId, activation))
            {
                break;
            }
        }
        try
        {
            var grain = (Grain)ActivatorUtilities.CreateInstance(_services, registration.Implementation);
            var storage = registration.StorageName is null
                ? _services.GetRequiredService<IGrainStorage>()
                : _services.GetRequiredKeyedService<IGrainStorage>(registration.StorageName);
            grain.Context = new ActivationContext(grainId, activation, _services.GetRequiredService<IGrainFactory>(), storage,
                _services.GetRequiredService<ReminderRegistry>());
            activation.StartActivation(grain);
        }
        catch (Exception e)
        {
            Remove(activation);
            activation.FailActivation(e);
            throw;
        }
        return activation;
    }

    /// <summary>Throws when the activation's lease is no longer held under the epoch it was created with.</summary>
    internal void EnsureLeaseValid(ActivationData activation)
    {
        if (!_ownership.TryGetValidLease(activation.Fence.Partition, out var epoch) || epoch != activation.Fence.Epoch)
        {
            throw new PartitionLeaseLostException(activation.Fence.Partition,
                $"Partition {activation.Fence.Partition} of {activation.GrainId} is no longer held under epoch {activation.Fence.Epoch}.");
        }
    }

    internal void Remove(ActivationData activation) => _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));

    internal Task DeactivateAsync(ActivationData activation, DeactivationReason reason) => activation.DeactivateAsync(reason);

    /// <summary>Deactivates activations unused for longer than the collection age; returns how many.</summary>
    public async Task<int> CollectIdleAsync()
    {
        var age = _collection.Value.CollectionAge;
        var idle = _activations.Values.Where(a => a.Status == ActivationStatus.Valid && a.IdleFor >= age).ToList();
        await Parallel.ForEachAsync(idle, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (a, _) => await a.DeactivateAsync(DeactivationReason.Idle));
        return idle.Count;
    }

    /// <summary>The partitions that have at least one activation here.</summary>
    internal HashSet<int> PartitionsWithActivations() => _activations.Values.Select(a => a.Fence.Partition).ToHashSet();

    /// <summary>Deactivates every activation of the given partitions (handover), or all of them when null (shutdown).</summary>
    public async Task DeactivatePartitionsAsync(IReadOnlyCollection<int>? partitions, DeactivationReason reason)
    {
        var set = partitions?.ToHashSet();
        var targets = _activations.Values.Where(a => set is null || set.Contains(a.Fence.Partition)).ToList();
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (a, _) =>
            {
                try
                {
                    await a.DeactivateAsync(reason);
                }
                catch (Exception e)
                {
                    Logger.LogWarning(e, "Deactivation of {GrainId} failed", a.GrainId);
                    a.Drop();
                }
            });
    }
}
