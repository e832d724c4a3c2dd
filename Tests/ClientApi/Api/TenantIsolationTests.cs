using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using PaymentNotifications.Silo.Hosting;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>
/// Every route, read from the app's endpoint data source (so routes added later are covered): another tenant's
/// ids reach nothing, tenant keys do not reach admin routes, and nothing but the service endpoints answers
/// without a key.
/// </summary>
public sealed class TenantIsolationTests(ITestOutputHelper output)
{
    /// <summary>
    /// Path prefixes served without a key: health, metrics, the OpenAPI document and its interactive reference, the dashboard's static files, and
    /// the sandbox providers (dev-mode stand-ins for Twilio and the others, never mapped in durable mode).
    /// </summary>
    private static readonly string[] Public = ["/health/", "/metrics", "/openapi/", "/docs/", "/dashboard", "/sandbox/"];

    /// <summary>Tenant routes where a resource the tenant never wrote reads as defaults (200) rather than 404.</summary>
    private static readonly string[] ReadsAsDefaults = ["GET /v1/users/{userId}/preferences"];

    private static string OwnersValue(ApiScenario scenario, string parameter) => parameter switch
    {
        "id" or "notificationId" => scenario.NotificationId,
        "merchantId" => ApiScenario.MerchantId,
        "tenantId" => scenario.OwnerTenantId,
        "keyId" => scenario.OwnerKeyId,
        "userId" => ApiScenario.UserId,
        "name" => ApiScenario.TemplateName,
        "channel" => "sms",
        "locale" => "en",
        "page" => "1",
        _ => scenario.NotificationId,
    };

    // A valid body for the routes that take one, so the request reaches the data rather than stopping at validation.
    private static HttpContent? BodyFor(AppRoute route, ApiScenario scenario) => (route.Method, route.Template) switch
    {
        ("POST", "/v1/notifications") => Json(new JsonObject
        {
            ["idempotencyKey"] = "owner-private-key",
            ["type"] = "charge.paid",
            ["channel"] = "webhook",
            ["recipient"] = new JsonObject { ["merchantId"] = ApiScenario.MerchantId },
            ["data"] = new JsonObject { ["chargeId"] = "stranger" },
            ["sendAt"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O"),
        }),
        ("PUT", "/v1/merchants/{merchantId}/webhook-endpoint") => Json(new JsonObject { ["url"] = "http://127.0.0.1:9/stranger" }),
        ("PUT", "/v1/users/{userId}/preferences") => Json(new JsonObject { ["channels"] = new JsonObject { ["push"] = true } }),
        ("PUT", "/v1/templates/{name}/{channel}/{locale}") => Json(new JsonObject { ["smsText"] = "stranger {{x}}" }),
        ("POST", "/v1/templates/{name}/{channel}/preview") => Json(new JsonObject { ["data"] = new JsonObject { ["code"] = "1" } }),
        ("PUT", _) => Json(new JsonObject()),
        _ => null,
    };

    private static StringContent Json(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

    [Fact]
    public async Task Every_tenant_route_with_another_tenants_ids_is_404_or_403_and_leaks_nothing()
    {
        await using var scenario = await ApiScenario.StartAsync();
        var ownerView = await OwnerViewAsync(scenario);
        var routes = AppRoute.All(scenario.App).Where(r => r.IsTenant)
            // Reads of collections first (nothing of the owner's sent yet), then the owner's ids, then creations in the stranger's own space.
            .OrderBy(r => r.Method == "GET" && !r.HasParameters ? 0 : r.Method == "PUT" || !r.HasParameters ? 2 : 1)
            .ToList();
        Assert.Contains(routes, r => r.Template == "/v1/notifications/{id}");
        Assert.Contains(routes, r => r.Template == "/v1/merchants/{merchantId}/webhook-endpoint");
        Assert.DoesNotContain(routes, r => r.Template.StartsWith("/v1/admin", StringComparison.Ordinal) || r.Template.StartsWith("/v1/providers/", StringComparison.Ordinal));

        var failures = new List<string>();
        var sent = new StringBuilder();
        foreach (var route in routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(p => OwnersValue(scenario, p))) { Content = BodyFor(route, scenario) };
            sent.Append(request.RequestUri).Append(request.Content is null ? "" : await request.Content.ReadAsStringAsync());
            using var response = await scenario.Stranger.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            output.WriteLine($"{route} -> {(int)response.StatusCode}");
            // Echoing what the stranger itself sent (an id in the path, its own idempotency key) reveals nothing; anything else of the owner's does.
            var leaked = scenario.OwnerSecrets.Where(secret => text.Contains(secret, StringComparison.Ordinal) && !sent.ToString().Contains(secret, StringComparison.Ordinal)).ToList();
            if (leaked.Count > 0)
            {
                failures.Add($"{route} answered with the owner's {string.Join(", ", leaked)}");
            }
            var mayCreateOwn = route.Method == "PUT" || !route.HasParameters || ReadsAsDefaults.Contains(route.ToString());
            if (!mayCreateOwn && response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Forbidden))
            {
                failures.Add($"{route} answered {(int)response.StatusCode}: {text}");
            }
        }

        Assert.Empty(failures);
        Assert.Equal(ownerView, await OwnerViewAsync(scenario));
    }

    [Fact]
    public async Task Tenant_keys_are_forbidden_on_every_admin_route()
    {
        await using var scenario = await ApiScenario.StartAsync();
        var routes = AppRoute.All(scenario.App).Where(r => r.IsAdmin).ToList();
        Assert.Contains(routes, r => r.Template == "/v1/admin/tenants/{tenantId}/api-keys/{keyId}");

        foreach (var route in routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(p => OwnersValue(scenario, p)));
            using var response = await scenario.Owner.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{route} answered {(int)response.StatusCode} to a tenant key");
        }
        Assert.Equal(HttpStatusCode.OK, (await scenario.Owner.GetAsync($"/v1/notifications/{scenario.NotificationId}")).StatusCode);
    }

    [Fact]
    public async Task No_route_but_the_service_endpoints_answers_without_a_key()
    {
        await using var scenario = await ApiScenario.StartAsync();
        var routes = AppRoute.All(scenario.App);
        var anonymous = scenario.Anonymous();
        var wrongKey = scenario.WithKey("ntk_" + new string('x', 43));

        var checkedRoutes = 0;
        foreach (var route in routes.Where(r => !Public.Any(prefix => r.Template.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))))
        {
            foreach (var client in new[] { anonymous, wrongKey })
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(p => OwnersValue(scenario, p)));
                using var response = await client.SendAsync(request);
                // Routes behind an API key challenge for one; provider receipts and silo-to-silo calls check their own signature or secret.
                Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden,
                    $"{route} answered {(int)response.StatusCode} without a valid key");
                if (!route.Anonymous)
                {
                    // The Orleans Dashboard's pages also ask a browser for the admin key as a password.
                    string[] challenges = route.Template.StartsWith(ClusterDashboardEndpoints.Path, StringComparison.Ordinal) ? ["Basic", "Bearer"] : ["Bearer"];
                    Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                    Assert.Equal(challenges, response.Headers.WwwAuthenticate.Select(c => c.Scheme));
                }
            }
            checkedRoutes++;
        }
        Assert.True(checkedRoutes >= 15, $"only {checkedRoutes} routes were checked");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task Durable_mode_serves_no_sandbox_routes()
    {
        await using var app = new SiloApp(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("routes"));
        _ = app.Server;

        var routes = AppRoute.All(app);

        Assert.Contains(routes, r => r.Template == "/v1/notifications");
        Assert.DoesNotContain(routes, r => r.Template.StartsWith("/sandbox", StringComparison.Ordinal));
    }

    private static async Task<string> OwnerViewAsync(ApiScenario scenario)
    {
        var notification = await scenario.Owner.GetNotificationAsync(scenario.NotificationId);
        var endpoint = await (await scenario.Owner.GetAsync($"/v1/merchants/{ApiScenario.MerchantId}/webhook-endpoint")).ReadJsonAsync();
        var list = await (await scenario.Owner.GetAsync("/v1/notifications")).ReadJsonAsync();
        var keys = await (await scenario.App.Admin().GetAsync($"/v1/admin/tenants/{scenario.OwnerTenantId}/api-keys")).ReadJsonAsync();
        return $"{notification.ToJsonString()}\n{endpoint.ToJsonString()}\n{list.ToJsonString()}\n{keys.ToJsonString()}";
    }
}
