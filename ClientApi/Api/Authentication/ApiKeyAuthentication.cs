using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Api.Authentication;

/// <summary>
/// Bearer API keys: the admin key from configuration reaches /v1/admin/*, a tenant key reaches
/// that tenant's data only. Keys are compared by hash in constant time. Under <see cref="BasicChallengePaths"/>
/// (the Orleans Dashboard, which a browser opens without a bearer header) a key may also come as the
/// password of HTTP Basic authentication (any user name), and a 401 asks for it with a Basic challenge.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ITenantDirectory tenants,
    IOptions<ApiOptions> api) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TenantClaim = "tenant_id";
    public const string AdminRole = "admin";
    public const string TenantPolicy = "tenant";
    public const string AdminPolicy = "admin";

    /// <summary>Paths whose 401 asks a browser for the key as a password (the Orleans Dashboard).</summary>
    public static readonly string[] BasicChallengePaths = ["/orleans"];

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        string key;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = header["Bearer ".Length..].Trim();
        }
        else if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) && UnderBasicChallenge
                 && BasicPassword(header["Basic ".Length..].Trim()) is { } password)
        {
            key = password;
        }
        else
        {
            return AuthenticateResult.NoResult();
        }
        if (key.Length == 0)
        {
            return AuthenticateResult.Fail("Empty API key.");
        }
        if (api.Value.AdminKey is { Length: > 0 } adminKey && SameKey(key, adminKey))
        {
            return Success(new Claim(ClaimTypes.Role, AdminRole));
        }
        var tenant = await tenants.AuthenticateAsync(key, Context.RequestAborted);
        return tenant is null
            ? AuthenticateResult.Fail("Unknown or revoked API key.")
            : Success(new Claim(TenantClaim, tenant.Id), new Claim(ClaimTypes.Name, tenant.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = UnderBasicChallenge
            ? "Basic realm=\"Orleans Dashboard (admin key as password)\", Bearer"
            : "Bearer";
        await ApiProblems.Problem(StatusCodes.Status401Unauthorized, ApiProblems.Unauthorized, "Authentication required.",
            "Send a valid API key as 'Authorization: Bearer <key>'.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await ApiProblems.Problem(StatusCodes.Status403Forbidden, ApiProblems.Forbidden, "Not allowed.",
            "This key does not reach this route (tenant keys reach /v1/*, the admin key /v1/admin/*).").ExecuteAsync(Context);

    private AuthenticateResult Success(params Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    private bool UnderBasicChallenge => BasicChallengePaths.Any(p => Request.Path.StartsWithSegments(p));

    private static string? BasicPassword(string encoded)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : text[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool SameKey(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}

/// <summary>Reads the caller's tenant from an authenticated request.</summary>
public static class TenantPrincipal
{
    public static string TenantId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ApiKeyAuthenticationHandler.TenantClaim) ?? throw new InvalidOperationException("Not a tenant principal.");
}
