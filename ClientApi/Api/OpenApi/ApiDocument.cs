using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using PaymentNotifications.Api.Authentication;

namespace PaymentNotifications.Api.OpenApi;

/// <summary>
/// Completes the generated OpenAPI document: the guide in <c>info.description</c> (shapes, errors, limits), the
/// bearer scheme, an example for every body, the problem answers every route can give, and the service
/// endpoints (health, metrics, this document) that are not minimal-API handlers.
/// </summary>
public static class ApiDocument
{
    /// <summary>The bearer scheme's name in components.securitySchemes.</summary>
    public const string BearerScheme = "ApiKey";

    private const string Guide = """
        Payment-notification delivery over webhooks, SMS, email and push. The contract is API.md; this section
        spells out the shapes that API.md leaves open.

        ## Authentication
        `Authorization: Bearer <key>`. A tenant key reaches `/v1/*` for its own data only (another tenant's
        resource is `404`); the admin key reaches `/v1/admin/*`. Missing or unknown key: `401`; wrong kind: `403`.
        Keys are shown once, stored as SHA-256 hashes and compared in constant time; `DELETE
        /v1/admin/tenants/{tenantId}/api-keys/{keyId}` revokes one at once on the answering process and within
        `Tenants:KeyCacheTtl` (default 5 s) everywhere.

        ## Lists
        Every list answers `{ "items": [...], "nextCursor": "…" | null }`: notifications newest first; what a tenant
        stores (`/v1/templates`, `/v1/merchants` with a webhook endpoint, `/v1/users` with preferences) by name, in
        ordinal order. Pass `cursor=<nextCursor>` for the next page (a cursor is good only for the list that gave it);
        `null` means the last page. `limit` is 1 to `Api:MaxPageSize` (default 100; 50 when absent).

        ## Errors
        RFC 9457 problem details (`application/problem+json`) with a stable `type`:
        `/problems/validation-failed` (400, with `errors`: field path -> messages, e.g. `recipient.phone`,
        `eventTypes[2]`), `/problems/malformed-request` (400: not JSON, invalid UTF-8, wrong Content-Type, a value
        of the wrong type, a field the route does not take, a duplicated field, nesting deeper than 64, a body sent
        to a route that takes none), `/problems/unauthorized` (401),
        `/problems/forbidden` (403), `/problems/not-found` (404), `/problems/idempotency-conflict` (409),
        `/problems/invalid-state` (409), `/problems/name-taken` (409), `/problems/payload-too-large` (413),
        `/problems/rate-limited` (429), `/problems/unavailable` (503), `/problems/internal-error` (500).
        A rejected request creates and changes nothing.

        ## Limits
        Bodies over `Api:MaxRequestBodyBytes` (default 262144) get `413`, chunked ones too. Each tenant has a token
        bucket of `Api:RateLimit:Burst` requests refilled at `Api:RateLimit:PermitsPerSecond` per second (defaults
        20000 and 10000) per API process. Every `/v1` answer carries `RateLimit-Limit` (bucket size),
        `RateLimit-Remaining` and `RateLimit-Reset` (seconds until full), the separate fields of the IETF
        RateLimit-header draft; `429` adds `Retry-After` (seconds). Submits (`POST /v1/notifications`) also draw from
        the tenant's one bucket for the whole cluster: `Api:SubmitRate:Burst` submits refilled at
        `Api:SubmitRate:Permits` per `Api:SubmitRate:Period` (defaults 20000, 10000 and 1s), all API processes
        together; past it, `429` `/problems/rate-limited` with `Retry-After`, and nothing is created. A replay of a
        known idempotency key takes a token too; an invalid body does not (a template that fails to render does).

        ## Shapes the contract leaves open
        - Dead-letter replay answers `{ "replayed": n, "notReplayed": ["id", ...] }`.
        - The cluster is `{ "answeredBy", "generatedAt", "silos": [{ "id", "address", "status", "startedAt",
          "uptimeSeconds", "heartbeatAgeSeconds", "activations"?, "activationsByType"?, "cpuPercent"?, "memoryBytes"?,
          "reminderLagSeconds"?, "reachable", "self" }] }`, from Orleans' membership; `status` is `joining`, `active`,
          `shutting-down`, `stopping` or `dead`; the load figures are null for a silo that published none recently.
          (Before the product ran on Orleans the view also listed partitions; those fields are gone.)
        - Rotating a secret answers `{ "secret", "previousSecretExpiresAt" }`.
        - A tenant's keys list as `{ "items": [{ "id", "tenantId", "prefix", "createdAt", "revokedAt" }] }`.
        """;

    // Service endpoints that are not minimal-API handlers, so the generator does not see them.
    private static readonly Dictionary<string, (string Summary, string MediaType, string Example)> ServiceEndpoints = new(StringComparer.OrdinalIgnoreCase)
    {
        ["/health/live"] = ("Liveness: 200 Healthy while the process runs.", "text/plain", "Healthy"),
        ["/health/ready"] = ("Readiness: 200 when storage answers and this silo is active in the cluster (a facade: connected to it); 503 otherwise.", "text/plain", "Healthy"),
        ["/metrics"] = ("Metrics in Prometheus text format.", "text/plain", "# TYPE notifications_submitted_total counter\nnotifications_submitted_total 42"),
        ["/openapi/{documentName}.json"] = ("This OpenAPI document.", "application/json", "{ \"openapi\": \"3.1.1\" }"),
    };

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer(DescribeDocumentAsync);
        options.AddOperationTransformer(DescribeOperationAsync);
    }

    private static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo { Title = "Notifications.Orleans API", Version = "v1", Description = Guide };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A tenant key (ntk_…) for /v1/*, or the admin key (Api:AdminKey) for /v1/admin/*.",
        };

        document.Paths ??= new OpenApiPaths();
        var routes = context.ApplicationServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        foreach (var route in routes)
        {
            var path = "/" + route.RoutePattern.RawText?.TrimStart('/');
            if (!ServiceEndpoints.TryGetValue(path, out var service) || document.Paths.ContainsKey(path))
            {
                continue;
            }
            var operation = new OpenApiOperation
            {
                Summary = service.Summary,
                OperationId = "Service" + string.Concat(path.Split('/', '{', '}', '.').Where(s => s.Length > 0).Select(s => char.ToUpperInvariant(s[0]) + s[1..])),
                Tags = new HashSet<OpenApiTagReference> { new("Service", document) },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse
                    {
                        Description = "OK",
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            [service.MediaType] = new OpenApiMediaType
                            {
                                Schema = new OpenApiSchema { Type = service.MediaType == "application/json" ? JsonSchemaType.Object : JsonSchemaType.String },
                                Example = service.MediaType == "application/json" ? JsonNode.Parse(service.Example) : JsonValue.Create(service.Example),
                            },
                        },
                    },
                },
            };
            var item = new OpenApiPathItem();
            item.AddOperation(HttpMethod.Get, operation);
            document.Paths[path] = item;
        }
        return Task.CompletedTask;
    }

    private static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<JsonRequestBodyMetadata>().FirstOrDefault() is { } json && operation.RequestBody is null)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new OpenApiMediaType { Schema = await context.GetOrCreateSchemaAsync(json.Type, null, cancellationToken) },
                },
            };
        }
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToList();
        operation.Responses ??= new OpenApiResponses();
        if (policies.Count > 0)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
            AddProblem(operation, context.Document, StatusCodes.Status401Unauthorized, "Missing or unknown API key.");
            AddProblem(operation, context.Document, StatusCodes.Status403Forbidden, policies.Contains(ApiKeyAuthenticationHandler.AdminPolicy)
                ? "A tenant key on an admin route." : "The admin key on a tenant route.");
        }
        if (context.Description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true)
        {
            AddProblem(operation, context.Document, StatusCodes.Status429TooManyRequests, "Over the rate limit; see Retry-After.");
        }
        if (operation.RequestBody is { } body)
        {
            AddProblem(operation, context.Document, StatusCodes.Status413PayloadTooLarge, "The body exceeds Api:MaxRequestBodyBytes.");
            AddProblem(operation, context.Document, StatusCodes.Status400BadRequest, "Invalid or malformed body; nothing was created or changed.");
            foreach (var media in body.Content?.Values ?? [])
            {
                media.Example ??= ApiExamples.Request(operation.OperationId);
            }
        }
        foreach (var (status, response) in operation.Responses)
        {
            if (!int.TryParse(status, out var code) || response.Content is null)
            {
                continue;
            }
            foreach (var media in response.Content.Values)
            {
                media.Example ??= ApiExamples.Response(operation.OperationId, code);
            }
        }
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiDocument? document, int status, string description)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
        {
            return;
        }
        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchemaReference("ProblemDetails", document),
                    Example = ApiExamples.Response(operation.OperationId, status),
                },
            },
        };
    }
}
