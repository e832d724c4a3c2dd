using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using PaymentNotifications.Grains.Interfaces.Tenants;
using PaymentNotifications.Grains.Storage;

namespace PaymentNotifications.Grains.Tenants;

/// <summary>The durable state of a tenant's quota counts: stored items per kind, by the kind's name.</summary>
public sealed class TenantQuotaState
{
    public int SchemaVersion { get; set; } = 1;
    public Dictionary<string, int> Used { get; set; } = [];
}

/// <summary>
/// Counts what one tenant stores against <see cref="TenantQuotaOptions"/>. The storing grain takes a place before its
/// own first write, so a crash between the two can count an item that was never stored, never the reverse: the count
/// errs towards refusing, and the item's delete gives the place back.
/// </summary>
[GrainType("tenant-quota")]
public sealed class TenantQuotaGrain(
    [PersistentState("tenant-quota", StorageNames.Grains)] IPersistentState<TenantQuotaState> quota,
    IOptions<TenantQuotaOptions> options) : Grain, ITenantQuotaGrain
{
    public async Task Take(StoredKind kind)
    {
        var used = Used(kind);
        var limit = options.Value.LimitOf(kind);
        if (used >= limit)
        {
            throw new QuotaExceededException(TenantQuotaOptions.KeyOf(kind), limit);
        }
        quota.State.Used[kind.ToString()] = used + 1;
        await quota.WriteStateAsync();
    }

    public async Task Release(StoredKind kind)
    {
        if (Used(kind) > 0)
        {
            quota.State.Used[kind.ToString()] = Used(kind) - 1;
            await quota.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<QuotaUsage>> Get() => Task.FromResult<IReadOnlyList<QuotaUsage>>(
        Enum.GetValues<StoredKind>().Select(kind => new QuotaUsage(kind, Used(kind), options.Value.LimitOf(kind))).ToList());

    private int Used(StoredKind kind) => quota.State.Used.GetValueOrDefault(kind.ToString());
}
