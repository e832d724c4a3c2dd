using System.Net;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>Submits draw from the tenant's cluster-wide bucket (Api:SubmitRate); past it, 429 and nothing is created.</summary>
public sealed class SubmitRateTests
{
    // An hour's refill is one token every 20 minutes: no test run lasts long enough to see one.
    private static SiloApp Start() => new(null, new Dictionary<string, string?>
    {
        ["Api:SubmitRate:Permits"] = "3",
        ["Api:SubmitRate:Period"] = "1h",
        ["Api:SubmitRate:Burst"] = "3",
    });

    [Fact]
    public async Task Past_its_submit_rate_a_tenant_gets_429_with_Retry_After_and_nothing_is_created()
    {
        await using var app = Start();
        var tenant = await app.NewTenantAsync();

        var accepted = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            accepted.Add((await tenant.SubmitWebhookAsync($"charge-{i}", "m-1")).StatusCode);
        }
        var refused = await tenant.SubmitWebhookAsync("charge-3", "m-1");
        var replay = await tenant.SubmitWebhookAsync("charge-0", "m-1");
        var list = await (await tenant.GetAsync("/v1/notifications")).ReadJsonAsync();

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted], accepted);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromMinutes(19), TimeSpan.FromMinutes(20));
        // The RateLimit fields describe the submit rate that refused, not the per-process request bucket.
        Assert.Equal("3", refused.Headers.GetValues("RateLimit-Limit").Single());
        Assert.Equal("0", refused.Headers.GetValues("RateLimit-Remaining").Single());
        Assert.Equal(refused.Headers.RetryAfter.Delta.Value.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            refused.Headers.GetValues("RateLimit-Reset").Single());
        var problem = await refused.ReadJsonAsync();
        Assert.Equal("/problems/rate-limited", problem["type"]!.GetValue<string>());
        Assert.Contains("may submit 3 notifications per 1h across the cluster", problem["detail"]!.GetValue<string>());
        // A replay of a known key takes a token like any submit.
        Assert.Equal(HttpStatusCode.TooManyRequests, replay.StatusCode);
        Assert.Equal(3, list["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_tenant_over_its_submit_rate_does_not_hold_back_another_and_may_still_read()
    {
        await using var app = Start();
        var noisy = await app.NewTenantAsync();
        var quiet = await app.NewTenantAsync();
        for (var i = 0; i < 4; i++)
        {
            await noisy.SubmitWebhookAsync($"noisy-{i}", "m-1");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await noisy.SubmitWebhookAsync("noisy-again", "m-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await noisy.GetAsync("/v1/notifications")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await quiet.SubmitWebhookAsync("quiet-0", "m-1")).StatusCode);
    }

    [Fact]
    public async Task An_invalid_submit_takes_no_token()
    {
        await using var app = Start();
        var tenant = await app.NewTenantAsync();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await tenant.SubmitWebhookAsync($"bad-{i}", merchantId: "")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Accepted, (await tenant.SubmitWebhookAsync("good", "m-1")).StatusCode);
    }

    [Theory]
    [InlineData("Api:SubmitRate:Permits", "0", "Api:SubmitRate:Permits must be a positive whole number")]
    [InlineData("Api:SubmitRate:Burst", "-1", "Api:SubmitRate:Burst must be a positive whole number")]
    [InlineData("Api:SubmitRate:Period", "0s", "Api:SubmitRate:Period must be longer than zero")]
    [InlineData("Api:SubmitRate:Period", "soon", "Api:SubmitRate:Period: \"soon\" is not a valid duration")]
    public async Task A_bad_submit_rate_stops_the_start_naming_the_setting(string key, string value, string expected)
    {
        await using var app = new SiloApp(null, new Dictionary<string, string?> { [key] = value });

        var error = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(await app.StartFailureAsync());

        Assert.Contains(expected, error.Message);
    }
}
