using Orleans;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Grains.Tenants;

/// <summary>
/// The place one stored item (a template, a merchant's webhook endpoint, a user's preferences) holds in its tenant's books:
/// a count in the tenant's quota and its name in the <see cref="IStoredItemIndex"/> the list routes read. The storing grain
/// takes the place before its first write, and gives it back after its delete or when that first write fails. A crash in
/// between leaves the books ahead of the state: the quota counts, and the list shows, an item whose GET is 404 until it is
/// stored or deleted.
/// </summary>
public sealed class StoredItemPlace(IGrainFactory grains, IStoredItemIndex index, StoredKind kind, string grainKey)
{
    private string Tenant => TenantScopedKey.TenantOf(grainKey);

    private string Name => TenantScopedKey.NameOf(grainKey);

    private ITenantQuotaGrain Quota => grains.GetGrain<ITenantQuotaGrain>(Tenant);

    /// <summary>Counts the item in the quota (<see cref="QuotaExceededException"/> at the limit), then lists it.</summary>
    private async Task TakeAsync()
    {
        await Quota.Take(kind);
        try
        {
            await index.AddAsync(Tenant, kind, Name, CancellationToken.None);
        }
        catch
        {
            await Quota.Release(kind);
            throw;
        }
    }

    /// <summary>
    /// Writes the item's state, a new item (<paramref name="isNew"/>) taking its place first; when the write fails,
    /// <paramref name="undo"/> puts the grain's state back and a new item's place is given back before the failure goes on.
    /// </summary>
    public async Task WriteAsync(bool isNew, Func<Task> write, Action undo)
    {
        if (isNew)
        {
            await TakeAsync();
        }
        try
        {
            await write();
        }
        catch
        {
            undo();
            if (isNew)
            {
                await GiveBackAsync();
            }
            throw;
        }
    }

    /// <summary>Unlists the item, then gives its count back; the count goes back even when the index cannot be reached.</summary>
    public async Task GiveBackAsync()
    {
        try
        {
            await index.RemoveAsync(Tenant, kind, Name, CancellationToken.None);
        }
        finally
        {
            await Quota.Release(kind);
        }
    }
}
