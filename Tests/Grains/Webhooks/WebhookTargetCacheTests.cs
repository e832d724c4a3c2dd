using Microsoft.Extensions.Time.Testing;
using PaymentNotifications.Grains.Interfaces.Merchants;
using PaymentNotifications.Grains.Merchants;

namespace PaymentNotifications.Tests.Grains.Webhooks;

public sealed class WebhookTargetCacheTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z"));
    private int _reads;

    private static WebhookTarget Target(string url, bool enabled = true) => new(url, [new SigningSecret("whsec_x", null)], enabled, [], null);

    private Func<string, Task<WebhookTarget?>> Reading(WebhookTarget? target) => _ =>
    {
        _reads++;
        return Task.FromResult(target);
    };

    [Fact]
    public async Task A_copy_younger_than_the_time_to_live_is_used_without_reading_the_endpoint()
    {
        var cache = new WebhookTargetCache(_time, TimeSpan.FromSeconds(5));

        var first = await cache.GetAsync("t/m", Reading(Target("https://a.example/hook")));
        _time.Advance(TimeSpan.FromSeconds(4.9));
        var second = await cache.GetAsync("t/m", Reading(Target("https://b.example/hook")));
        _time.Advance(TimeSpan.FromSeconds(0.2));
        var third = await cache.GetAsync("t/m", Reading(Target("https://b.example/hook")));

        Assert.Equal("https://a.example/hook", first!.Url);
        Assert.Equal("https://a.example/hook", second!.Url);
        Assert.Equal("https://b.example/hook", third!.Url);
        Assert.Equal(2, _reads);
    }

    [Fact]
    public async Task An_endpoint_that_does_not_exist_is_remembered_too()
    {
        var cache = new WebhookTargetCache(_time, TimeSpan.FromSeconds(5));

        Assert.Null(await cache.GetAsync("t/none", Reading(null)));
        Assert.Null(await cache.GetAsync("t/none", Reading(Target("https://a.example/hook"))));
        Assert.Equal(1, _reads);
    }

    [Fact]
    public async Task A_change_replaces_the_copy_at_once()
    {
        var cache = new WebhookTargetCache(_time, TimeSpan.FromMinutes(5));
        await cache.GetAsync("t/m", Reading(Target("https://a.example/hook")));

        cache.Changed("t/m", Target("https://a.example/hook", enabled: false));

        Assert.False((await cache.GetAsync("t/m", Reading(Target("https://a.example/hook"))))!.Enabled);
        cache.Changed("t/m", null);
        Assert.Null(await cache.GetAsync("t/m", Reading(Target("https://a.example/hook"))));
        Assert.Equal(1, _reads);
    }

    [Fact]
    public async Task A_read_that_started_before_a_change_does_not_put_the_older_target_back()
    {
        var cache = new WebhookTargetCache(_time, TimeSpan.FromMinutes(5));
        var answer = new TaskCompletionSource<WebhookTarget?>();

        var racing = cache.GetAsync("t/m", _ => answer.Task);
        cache.Changed("t/m", Target("https://new.example/hook"));
        answer.SetResult(Target("https://old.example/hook"));

        Assert.Equal("https://old.example/hook", (await racing)!.Url);
        Assert.Equal("https://new.example/hook", (await cache.GetAsync("t/m", Reading(Target("https://old.example/hook"))))!.Url);
        Assert.Equal(0, _reads);
    }

    [Fact]
    public async Task A_time_to_live_of_zero_reads_the_endpoint_every_time()
    {
        var cache = new WebhookTargetCache(_time, TimeSpan.Zero);

        await cache.GetAsync("t/m", Reading(Target("https://a.example/hook")));
        cache.Changed("t/m", Target("https://b.example/hook"));
        var read = await cache.GetAsync("t/m", Reading(Target("https://c.example/hook")));

        Assert.Equal("https://c.example/hook", read!.Url);
        Assert.Equal(2, _reads);
    }
}
