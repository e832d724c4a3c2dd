using System.Text.Json.Nodes;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>GET /openapi/v1.json describes every route the app serves, with schemas and examples.</summary>
public sealed class OpenApiDocumentTests
{
    private static async Task<(SiloApp App, JsonObject Document)> LoadAsync()
    {
        var app = new SiloApp(null);
        var response = await app.CreateClient().GetAsync("/openapi/v1.json");
        response.EnsureSuccessStatusCode();
        return (app, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    [Fact]
    public async Task Every_route_in_the_app_is_in_the_document()
    {
        var (app, document) = await LoadAsync();
        await using var _ = app;
        var paths = document["paths"]!.AsObject();

        var routes = AppRoute.All(app);
        // The dev-mode sandbox providers, both dashboards (ours and the Orleans Dashboard's two dozen routes) and the interactive
        // reference are not the API; they opt out of its description.
        static bool OutsideTheApi(AppRoute route) =>
            route.Template.StartsWith("/sandbox/", StringComparison.Ordinal) || route.Template.StartsWith("/dashboard", StringComparison.Ordinal)
            || route.Template.StartsWith("/docs", StringComparison.Ordinal)
            || route.Template.StartsWith(global::PaymentNotifications.Silo.Hosting.ClusterDashboardEndpoints.Path, StringComparison.Ordinal);
        var missing = routes.Where(r => !OutsideTheApi(r) && paths[r.Template]?[r.Method.ToLowerInvariant()] is null).Select(r => r.ToString()).ToList();

        Assert.True(routes.Count(r => !OutsideTheApi(r)) >= 25, $"only {routes.Count} routes found");
        Assert.True(missing.Count == 0, $"missing {string.Join(", ", missing)}");
        Assert.All(routes.Where(OutsideTheApi), r => Assert.False(r.Described, $"{r} is in the API description"));
    }

    [Fact]
    public async Task Every_operation_has_a_summary_schemas_and_examples()
    {
        var (app, document) = await LoadAsync();
        await using var _ = app;
        var problems = new List<string>();
        // Provider receipts take no API key: the provider's signature authenticates them.
        var anonymousRoutes = AppRoute.All(app).Where(r => r.Anonymous).Select(r => r.ToString()).ToHashSet();

        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operationNode) in item!.AsObject())
            {
                var operation = operationNode!.AsObject();
                var name = $"{method.ToUpperInvariant()} {path}";
                if (operation["summary"] is null || operation["operationId"] is null)
                {
                    problems.Add($"{name}: no summary or operationId");
                }
                if (operation["requestBody"]?["content"]?.AsObject() is { } requestContent)
                {
                    problems.AddRange(requestContent.Where(c => c.Value!["schema"] is null || c.Value["example"] is null)
                        .Select(c => $"{name} request {c.Key}: no schema or example"));
                }
                var responses = operation["responses"]!.AsObject();
                if (!responses.Any(r => r.Key.StartsWith('2')))
                {
                    problems.Add($"{name}: no success response");
                }
                foreach (var (status, response) in responses)
                {
                    foreach (var (mediaType, media) in response!["content"]?.AsObject() ?? [])
                    {
                        if (media!["schema"] is null || media["example"] is null)
                        {
                            problems.Add($"{name} {status} {mediaType}: no schema or example");
                        }
                    }
                }
                var anonymous = anonymousRoutes.Contains(name);
                if (path.StartsWith("/v1/", StringComparison.Ordinal) && ((operation["security"] is null && !anonymous) || responses["401"] is null || responses["429"] is null))
                {
                    problems.Add($"{name}: no security requirement or 401/429 answer");
                }
            }
        }

        Assert.Empty(problems);
        Assert.Equal("bearer", document["components"]!["securitySchemes"]![global::PaymentNotifications.Api.OpenApi.ApiDocument.BearerScheme]!["scheme"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_guide_documents_the_shapes_the_contract_leaves_open()
    {
        var (app, document) = await LoadAsync();
        await using var _ = app;
        var guide = document["info"]!["description"]!.GetValue<string>();
        var paths = document["paths"]!.AsObject();

        Assert.Contains("\"nextCursor\"", guide);
        Assert.Contains("\"heartbeatAgeSeconds\"", guide);
        Assert.Contains("\"replayed\"", guide);
        Assert.Contains("RateLimit-Remaining", guide);
        Assert.Contains("/problems/validation-failed", guide);
        var cluster = paths["/v1/admin/cluster"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["example"]!;
        Assert.Equal("active", cluster["silos"]![0]!["status"]!.GetValue<string>());
        Assert.Null(cluster["partitionOwners"]);
        Assert.NotNull(cluster["silos"]![0]!["activationsByType"]);
        var list = paths["/v1/notifications"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["example"]!;
        Assert.NotNull(list["items"]);
        Assert.NotNull(list["nextCursor"]);
    }

    [Fact]
    public async Task The_interactive_reference_is_served_from_the_silo_alone_and_reads_the_document()
    {
        await using var app = new SiloApp(null);
        var client = app.CreateClient();

        var page = await client.GetAsync("/docs/v1");
        var html = await page.Content.ReadAsStringAsync();
        var references = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        var scripts = references.Where(r => r.EndsWith(".js", StringComparison.Ordinal)).ToList();

        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"url\":\"openapi/v1.json\"", html);
        // Nothing is fetched from elsewhere: every script and stylesheet is the silo's own.
        Assert.DoesNotContain(references, r => r.StartsWith("http:", StringComparison.Ordinal) || r.StartsWith("https:", StringComparison.Ordinal) || r.StartsWith("//", StringComparison.Ordinal));
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            var response = await client.GetAsync(new Uri(new Uri("http://localhost/docs/v1"), script));
            Assert.True(response.IsSuccessStatusCode, $"{script} answered {(int)response.StatusCode}");
        }
    }
}
