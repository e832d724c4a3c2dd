using System.Collections.Frozen;
using System.Security.Cryptography;

namespace PaymentNotifications.Silo.Dashboard;

/// <summary>
/// Serves the operators' dashboard at /dashboard: a static page embedded in this assembly (no CDN, works
/// offline) that asks for the admin key and reads the admin API with it.
/// </summary>
public static class DashboardEndpoints
{
    public const string Path = "/dashboard";

    private const string ResourcePrefix = "Dashboard/";

    // The page loads only its own files and talks only to this origin.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private sealed record Asset(byte[] Content, string ContentType, string ETag);

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        var assets = LoadAssets();
        // Routing matches "/dashboard" with or without the trailing slash.
        endpoints.MapGet(Path, (HttpContext http) => Serve(http, assets, "index.html")).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapGet(Path + "/{file}", (HttpContext http, string file) => Serve(http, assets, file)).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    private static IResult Serve(HttpContext http, FrozenDictionary<string, Asset> assets, string file)
    {
        if (!assets.TryGetValue(file, out var asset))
        {
            return Results.NotFound();
        }
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(DashboardEndpoints).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var file = name[ResourcePrefix.Length..];
            assets[file] = new Asset(content, ContentTypeOf(file), $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }
        if (!assets.ContainsKey("index.html"))
        {
            throw new InvalidOperationException("The dashboard's index.html is not embedded in the silo assembly.");
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string file) => System.IO.Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
