using System.Net;
using System.Text.Json.Nodes;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>Each tenant draws from its own token bucket; past it, 429 with Retry-After and the RateLimit headers.</summary>
public sealed class RateLimitTests
{
    private static SiloApp Start() => new(null, new Dictionary<string, string?>
    {
        ["Api:RateLimit:PermitsPerSecond"] = "1",
        ["Api:RateLimit:Burst"] = "3",
    });

    [Fact]
    public async Task Past_its_burst_a_tenant_gets_429_with_Retry_After_and_RateLimit_headers()
    {
        await using var app = Start();
        var tenant = await app.NewTenantAsync();

        var started = DateTime.UtcNow;
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++)
        {
            responses.Add(await tenant.GetAsync("/v1/notifications"));
        }
        var elapsed = DateTime.UtcNow - started;

        var allowed = responses.Where(r => r.IsSuccessStatusCode).ToList();
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(8, allowed.Count + refused.Count);
        Assert.InRange(allowed.Count, 3, 3 + (int)Math.Ceiling(elapsed.TotalSeconds));
        Assert.NotEmpty(refused);
        Assert.All(responses, r => Assert.Equal("3", r.Headers.GetValues("RateLimit-Limit").Single()));
        Assert.Equal(["2", "1", "0"], allowed.Take(3).Select(r => r.Headers.GetValues("RateLimit-Remaining").Single()));
        var first = refused[0];
        Assert.Equal("0", first.Headers.GetValues("RateLimit-Remaining").Single());
        Assert.True(first.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.True(int.Parse(first.Headers.GetValues("RateLimit-Reset").Single()) >= 1);
        var problem = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        Assert.Equal("/problems/rate-limited", problem["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task One_tenant_over_its_limit_does_not_slow_another_and_service_endpoints_are_not_limited()
    {
        await using var app = Start();
        var noisy = await app.NewTenantAsync();
        var quiet = await app.NewTenantAsync();

        for (var i = 0; i < 6; i++)
        {
            await noisy.GetAsync("/v1/notifications");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await noisy.GetAsync("/v1/notifications")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await quiet.GetAsync("/v1/notifications")).StatusCode);
        for (var i = 0; i < 10; i++)
        {
            var health = await app.CreateClient().GetAsync("/health/live");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.False(health.Headers.Contains("RateLimit-Limit"));
        }
    }

    [Fact]
    public async Task The_bucket_refills_and_the_tenant_is_served_again()
    {
        await using var app = Start();
        var tenant = await app.NewTenantAsync();
        HttpResponseMessage last;
        do
        {
            last = await tenant.GetAsync("/v1/notifications");
        }
        while (last.IsSuccessStatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        var served = false;
        while (!served && DateTime.UtcNow < deadline)
        {
            await Task.Delay(last.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200));
            served = (await tenant.GetAsync("/v1/notifications")).IsSuccessStatusCode;
        }

        Assert.True(served, "the tenant was not served again within 10 s");
    }
}
