using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Api;

/// <summary>
/// The lists of what a tenant stores (GET /v1/templates, /v1/merchants, /v1/users): names from the
/// <see cref="IStoredItemIndex"/> in ordinal order, paged like GET /v1/notifications (?limit=&amp;cursor=).
/// </summary>
internal static class StoredItemLists
{
    /// <summary>Answers one page of the calling tenant's names of <paramref name="kind"/>, shaped by <paramref name="page"/> (names, next cursor).</summary>
    public static async Task<IResult> ListAsync<TPage>(HttpContext http, ClaimsPrincipal user, IStoredItemIndex index, int maxPageSize, StoredKind kind,
        Func<IReadOnlyList<string>, string?, TPage> page)
    {
        var (limit, after, problem) = ListQuery.ParseNames(http.Request.Query, kind, maxPageSize);
        if (problem is not null)
        {
            return problem;
        }
        var names = await index.ListAsync(user.TenantId(), kind, after, limit, http.RequestAborted);
        return TypedResults.Ok(page(names.Names, names.HasMore ? StoredItemCursor.Encode(kind, names.Names[^1]) : null));
    }
}
