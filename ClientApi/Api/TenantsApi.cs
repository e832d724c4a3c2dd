using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PaymentNotifications.Api.Validation;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Api;

/// <summary>/v1/admin/tenants: create and list tenants; create, list and revoke their API keys.</summary>
/// <remarks>A key is shown once, when created; it is stored as a SHA-256 hash and listed by its prefix only. A revoked key fails at once on this process and within Tenants:KeyCacheTtl on the others.</remarks>
public static class TenantsApi
{
    public static IEndpointRouteBuilder MapTenantRoutes(this IEndpointRouteBuilder admin)
    {
        var group = admin.MapGroup("tenants").WithTags("Admin: tenants and API keys");
        group.MapPost("", CreateTenant).WithName("CreateTenant").WithSummary("Create a tenant; the answer holds its first API key, shown only here.")
            .TakesJson<CreateTenantRequest>()
            .Produces<CreatedTenantResponse>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("", ListTenants).WithName("ListTenants").WithSummary("List every tenant, oldest first.").Produces<TenantListResponse>();
        group.MapGet("{tenantId}", GetTenant).WithName("GetTenant").WithSummary("Read one tenant.")
            .Produces<TenantView>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("{tenantId}/api-keys", CreateKey).WithName("CreateApiKey").TakesNoBody()
            .WithSummary("Create another API key for a tenant (e.g. to rotate keys); the key is shown only in this answer.")
            .Produces<CreatedApiKeyResponse>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("{tenantId}/api-keys", ListKeys).WithName("ListApiKeys").WithSummary("List a tenant's keys by prefix, revoked ones included.")
            .Produces<ApiKeyListResponse>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("{tenantId}/api-keys/{keyId}", RevokeKey).WithName("RevokeApiKey")
            .WithSummary("Revoke a key: it fails at once on this process and within Tenants:KeyCacheTtl (default 5 s) on every other.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    private static async Task<IResult> CreateTenant(HttpRequest http, ITenantDirectory tenants)
    {
        var (request, malformed) = await JsonBody.ReadAsync(http, ApiJsonContext.Default.CreateTenantRequest);
        if (malformed is not null)
        {
            return malformed;
        }
        if (FieldRules.TenantName(request!.Name) is { } error)
        {
            return ApiProblems.Validation("name", error);
        }
        try
        {
            var (tenant, apiKey) = await tenants.CreateTenantAsync(request.Name!, http.HttpContext.RequestAborted);
            return TypedResults.Created($"/v1/admin/tenants/{tenant.Id}", new CreatedTenantResponse(tenant.Id, tenant.Name, apiKey));
        }
        catch (TenantNameTakenException)
        {
            return ApiProblems.Conflict(ApiProblems.NameTaken, "The tenant name is taken.", "Another tenant has this name; choose another.");
        }
    }

    private static async Task<IResult> ListTenants(ITenantDirectory tenants, CancellationToken cancellationToken) =>
        TypedResults.Ok(new TenantListResponse((await tenants.ListTenantsAsync(cancellationToken)).Select(View).ToList()));

    private static async Task<IResult> GetTenant(string tenantId, ITenantDirectory tenants, CancellationToken cancellationToken) =>
        await FindAsync(tenants, tenantId, cancellationToken) is { } tenant ? TypedResults.Ok(View(tenant)) : NoTenant(tenantId);

    private static async Task<IResult> CreateKey(string tenantId, ITenantDirectory tenants, CancellationToken cancellationToken)
    {
        if (await FindAsync(tenants, tenantId, cancellationToken) is null)
        {
            return NoTenant(tenantId);
        }
        var (key, apiKey) = await tenants.CreateKeyAsync(tenantId, cancellationToken);
        return TypedResults.Created($"/v1/admin/tenants/{tenantId}/api-keys/{key.Id}",
            new CreatedApiKeyResponse(key.Id, key.TenantId, key.Prefix, key.CreatedAt, apiKey));
    }

    private static async Task<IResult> ListKeys(string tenantId, ITenantDirectory tenants, CancellationToken cancellationToken) =>
        await FindAsync(tenants, tenantId, cancellationToken) is null
            ? NoTenant(tenantId)
            : TypedResults.Ok(new ApiKeyListResponse((await tenants.ListKeysAsync(tenantId, cancellationToken))
                .Select(k => new ApiKeyView(k.Id, k.TenantId, k.Prefix, k.CreatedAt, k.RevokedAt)).ToList()));

    private static async Task<IResult> RevokeKey(string tenantId, string keyId, ITenantDirectory tenants, CancellationToken cancellationToken) =>
        keyId.Length <= FieldRules.MaxIdLength && await FindAsync(tenants, tenantId, cancellationToken) is not null
            && await tenants.RevokeKeyAsync(tenantId, keyId, cancellationToken)
            ? TypedResults.NoContent()
            : ApiProblems.NotFoundProblem($"Tenant '{Shorten(tenantId)}' has no API key '{Shorten(keyId)}'.");

    private static async Task<TenantInfo?> FindAsync(ITenantDirectory tenants, string tenantId, CancellationToken cancellationToken) =>
        tenantId.Length <= FieldRules.MaxIdLength ? await tenants.GetTenantAsync(tenantId, cancellationToken) : null;

    private static TenantView View(TenantInfo tenant) => new(tenant.Id, tenant.Name, tenant.CreatedAt);

    private static IResult NoTenant(string tenantId) => ApiProblems.NotFoundProblem($"No tenant '{Shorten(tenantId)}' exists.");

    internal static string Shorten(string text) => text.Length > 100 ? text[..100] + "…" : text;
}
