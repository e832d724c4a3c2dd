using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Api.Authentication;
using PaymentNotifications.Api.OpenApi;
using PaymentNotifications.Api.RateLimiting;
using PaymentNotifications.Grains.Hosting;
using PaymentNotifications.Grains.Tenants;
using Orleans;
using Orleans.Runtime;
using Scalar.AspNetCore;

namespace PaymentNotifications.Api;

/// <summary>Registers and maps the HTTP API v1 (API.md), in a silo or on its own.</summary>
public static class ApiServiceCollectionExtensions
{
    public static IServiceCollection AddNotificationsApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection("Api"))
            .Validate(o => o.MaxRequestBodyBytes > 0 && o.MaxPageSize > 0, "Api:MaxRequestBodyBytes and Api:MaxPageSize must be positive.")
            .Validate(o => o.RateLimit.PermitsPerSecond > 0 && o.RateLimit.Burst > 0,
                "Api:RateLimit:PermitsPerSecond and Api:RateLimit:Burst must be positive whole numbers.")
            .Validate(o => string.IsNullOrEmpty(o.AdminKey) || o.AdminKey.Trim().Length >= ApiOptions.MinAdminKeyLength,
                $"Api:AdminKey must be at least {ApiOptions.MinAdminKeyLength} characters long (for example: head -c 24 /dev/urandom | base64).")
            .ValidateListed(o => o.SubmitRate.Validate());
        services.AddOptions<TenantDirectoryOptions>().Bind(configuration.GetSection(TenantDirectoryOptions.SectionName))
            .Validate(o => Grains.Delivery.DurationText.TryParse(o.KeyCacheTtl, out var ttl) && ttl >= TimeSpan.Zero,
                "Tenants:KeyCacheTtl must be a duration such as 5s (0s disables the cache).")
            .ValidateOnStart();
        services.AddSingleton<TenantRateLimits>();
        services.AddSingleton<ClusterSubmitRate>();
        services.AddSingleton<StorageOutage>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>().Configure<TenantRateLimits>((o, limits) => limits.Configure(o));
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyAuthenticationHandler.TenantPolicy, p => p.RequireClaim(ApiKeyAuthenticationHandler.TenantClaim))
            .AddPolicy(ApiKeyAuthenticationHandler.AdminPolicy, p => p.RequireRole(ApiKeyAuthenticationHandler.AdminRole));
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        services.AddOpenApi(ApiDocument.Configure);
        services.AddOperationsApi();
        return services;
    }

    /// <summary>
    /// Adds error handling, the body-size limit, authentication, per-tenant rate limits and authorization, then
    /// maps every /v1 route, the OpenAPI document and its interactive reference at /docs/v1.
    /// </summary>
    public static WebApplication MapNotificationsApi(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = WriteProblemForExceptionAsync });
        app.UseStatusCodePages();
        app.Use(RequestBodyLimit.InvokeAsync);
        app.UseAuthentication();
        app.UseRateLimiter();
        app.Use(app.Services.GetRequiredService<TenantRateLimits>().AddHeadersAsync);
        app.UseAuthorization();
        app.MapOpenApi("/openapi/{documentName}.json");
        // The interactive reference works offline: its script is served from the package, no web fonts, no telemetry.
        app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern("/openapi/{documentName}.json").DisableDefaultFonts().DisableTelemetry())
            .AllowAnonymous();
        app.MapNotificationRoutes();
        app.MapMerchantRoutes();
        app.MapAdminRoutes();
        app.MapUserRoutes();
        app.MapTemplateRoutes();
        app.MapQuotaRoutes();
        app.MapProviderRoutes();
        app.MapReceiptRoutes();
        app.MapOperationsRoutes();
        return app;
    }

    private static Task WriteProblemForExceptionAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var result = error switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => ApiProblems.TooLarge(context),
            BadHttpRequestException bad => ApiProblems.Malformed(bad.Message),
            _ when StorageOutage.IsOutage(error) => ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, ApiProblems.StorageUnavailable,
                "Storage is unavailable.", "The database cannot be reached; this request was not acknowledged. Retry after the Retry-After delay with the same idempotency key."),
            OrleansMessageRejectionException or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException
                => ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, ApiProblems.Unavailable,
                "The cluster could not serve the request in time.", "A silo is joining or leaving the cluster; retry with the same idempotency key."),
            _ => ApiProblems.Problem(StatusCodes.Status500InternalServerError, ApiProblems.Internal, "Internal error.",
                $"The request failed unexpectedly (trace {context.TraceIdentifier}); nothing acknowledged is lost, retry with the same idempotency key."),
        };
        if (result.ProblemDetails.Type == ApiProblems.StorageUnavailable)
        {
            context.RequestServices.GetRequiredService<StorageOutage>().Failed(error!, $"{context.Request.Method} {context.Request.Path}");
        }
        else if (result.StatusCode >= 500)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("PaymentNotifications.Api")
                .LogError(error, "Request {Method} {Path} failed", context.Request.Method, context.Request.Path);
        }
        if (result.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "1";
        }
        return result.ExecuteAsync(context);
    }
}
