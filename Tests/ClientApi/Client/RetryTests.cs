using System.Net;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Client;
using PaymentNotifications.Tests.ClientApi.Api;
using PaymentNotifications.Client.Models;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Client;

public sealed class RetryTests
{
    private const string Unavailable = """{ "type": "about:blank", "title": "Service Unavailable", "status": 503 }""";

    private static NotificationRequest Request() =>
        new("charge-8812-paid", "charge.paid", Channel.Webhook) { Recipient = Recipient.ForMerchant("m-42") };

    [Fact]
    public async Task Submit_answered_503_then_202_is_retried_with_the_same_idempotency_key_and_body()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(503, Unavailable).Reply(202, WireSamples.Notification());
        using var client = api.Client();

        var result = await client.SubmitAsync(Request());

        Assert.True(result.Created);
        Assert.Equal(2, api.Requests.Count);
        Assert.All(api.Requests, r => Assert.Equal("charge-8812-paid", r.Header("Idempotency-Key")));
        Assert.All(api.Requests, r => Assert.Equal("/v1/notifications", r.Target));
        Assert.Equal(api.Requests[0].Body, api.Requests[1].Body);
        Assert.Equal("charge-8812-paid", api.Requests[1].Json!["idempotencyKey"]!.GetValue<string>());
    }

    [Fact]
    public async Task Submit_whose_connection_drops_is_retried_with_the_same_key()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.DropConnection().Reply(200, WireSamples.Notification());
        using var client = api.Client();

        var result = await client.SubmitAsync(Request());

        Assert.False(result.Created);
        Assert.Equal(2, api.Requests.Count);
        Assert.Equal(api.Requests[0].Body, api.Requests[1].Body);
        Assert.Equal(api.Requests[0].Header("Idempotency-Key"), api.Requests[1].Header("Idempotency-Key"));
    }

    [Theory]
    [InlineData(408)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Read_answered_with_a_transient_status_is_retried(int status)
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(status).Reply(200, WireSamples.Notification());
        using var client = api.Client();

        var notification = await client.GetAsync("ntf_01");

        Assert.Equal("ntf_01", notification.Id);
        Assert.Equal(2, api.Requests.Count);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(500)]
    public async Task Status_that_is_not_transient_is_not_retried(int status)
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(status).Reply(200, WireSamples.Notification());
        using var client = api.Client();

        await Assert.ThrowsAnyAsync<NotificationsApiException>(() => client.GetAsync("ntf_01"));

        Assert.Single(api.Requests);
    }

    [Fact]
    public async Task Cancel_is_not_repeated_after_a_502_the_server_may_have_acted_on()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(502).Reply(200, WireSamples.Notification(state: "CANCELLED"));
        using var client = api.Client();

        var error = await Assert.ThrowsAnyAsync<NotificationsApiException>(() => client.CancelAsync("ntf_01"));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Single(api.Requests);
    }

    [Fact]
    public async Task Cancel_is_not_repeated_after_a_dropped_connection()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.DropConnection().Reply(200, WireSamples.Notification(state: "CANCELLED"));
        using var client = api.Client();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.CancelAsync("ntf_01"));

        Assert.Single(api.Requests);
    }

    [Fact]
    public async Task Cancel_answered_503_is_retried_because_the_server_did_not_act()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(503, Unavailable).Reply(200, WireSamples.Notification(state: "CANCELLED"));
        using var client = api.Client();

        var notification = await client.CancelAsync("ntf_01");

        Assert.Equal(NotificationState.Cancelled, notification.State);
        Assert.Equal(2, api.Requests.Count);
    }

    [Fact]
    public async Task Retries_stop_after_max_retries_and_the_last_error_surfaces()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Otherwise(503, Unavailable);
        using var client = api.Client(o => o.MaxRetries = 3);

        var error = await Assert.ThrowsAnyAsync<NotificationsApiException>(() => client.SubmitAsync(Request()));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(4, api.Requests.Count);
    }

    [Fact]
    public async Task Rate_limited_submit_waits_exactly_the_retry_after_before_trying_again()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(429, WireSamples.Problem(429, "about:blank", "Too Many Requests", "Slow down."), ("Retry-After", "7"))
           .Reply(202, WireSamples.Notification());
        var clock = new ManualTimeProvider();
        using var client = api.Client(timeProvider: clock);

        var submitting = client.SubmitAsync(Request());
        var delay = await clock.WaitForTimerAsync(due => due < TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(7), delay);
        Assert.Single(api.Requests);
        Assert.False(submitting.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(7));
        var result = await submitting.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.Created);
        Assert.Equal(2, api.Requests.Count);
        Assert.Equal(api.Requests[0].Header("Idempotency-Key"), api.Requests[1].Header("Idempotency-Key"));
    }

    [Fact]
    public async Task Retry_after_given_as_a_date_is_waited_for_by_the_client_clock()
    {
        await using var api = await ScriptedApi.StartAsync();
        var clock = new ManualTimeProvider();
        var retryAt = (clock.GetUtcNow() + TimeSpan.FromSeconds(9)).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        api.ReplyProblem(503, Unavailable, ("Retry-After", retryAt)).Reply(200, WireSamples.Notification());
        using var client = api.Client(timeProvider: clock);

        var reading = client.GetAsync("ntf_01");
        var delay = await clock.WaitForTimerAsync(due => due < TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(9), delay);
        clock.Advance(delay);
        Assert.Equal("ntf_01", (await reading.WaitAsync(TimeSpan.FromSeconds(30))).Id);
        Assert.Equal(2, api.Requests.Count);
    }

    [Fact]
    public async Task Read_whose_connection_drops_in_the_middle_of_the_body_is_retried()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.DropConnectionMidBody().Reply(200, WireSamples.Notification());
        using var client = api.Client();

        var notification = await client.GetAsync("ntf_01");

        Assert.Equal("ntf_01", notification.Id);
        Assert.Equal(2, api.Requests.Count);
    }

    [Fact]
    public async Task Each_retry_logs_a_warning_naming_the_request_and_the_failure()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(503, Unavailable).Reply(502).Reply(200, WireSamples.Notification());
        var capture = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace));
        using var client = api.Client(loggerFactory: loggers);

        await client.GetAsync("ntf_01");

        var warnings = capture.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(typeof(NotificationsClient).FullName, w.Category));
        Assert.StartsWith("Retrying GET /v1/notifications/ntf_01 in ", warnings[0].Text);
        Assert.Contains("after 503 ServiceUnavailable (retry 1 of 3)", warnings[0].Text);
        Assert.Contains("after 502 BadGateway (retry 2 of 3)", warnings[1].Text);
    }

    [Fact]
    public async Task Retry_after_beyond_the_cap_is_not_waited_for_but_surfaces_to_the_caller()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(429, WireSamples.Problem(429, "about:blank", "Too Many Requests", "Slow down."), ("Retry-After", "120"))
           .Reply(202, WireSamples.Notification());
        using var client = api.Client(o => o.MaxRetryDelay = TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<NotificationsRateLimitedException>(() => client.SubmitAsync(Request()));

        Assert.Equal(TimeSpan.FromSeconds(120), error.RetryAfter);
        Assert.Single(api.Requests);
    }

    [Fact]
    public async Task Backoff_delays_without_retry_after_are_positive_and_never_exceed_the_cap()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(503, Unavailable).ReplyProblem(503, Unavailable).ReplyProblem(503, Unavailable).Reply(200, WireSamples.Notification());
        var clock = new ManualTimeProvider();
        using var client = api.Client(
            o =>
            {
                o.RetryDelay = TimeSpan.FromSeconds(10);
                o.MaxRetryDelay = TimeSpan.FromSeconds(12);
                o.AttemptTimeout = Timeout.InfiniteTimeSpan;
            },
            clock);

        var reading = client.GetAsync("ntf_01");
        var delays = new List<TimeSpan>();
        for (var retry = 1; retry <= 3; retry++)
        {
            await api.WaitForRequestsAsync(retry);
            var delay = await clock.WaitForTimerAsync(_ => true);
            delays.Add(delay);
            clock.Advance(delay);
        }

        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, api.Requests.Count);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(12)));
    }

    [Fact]
    public async Task Read_attempt_that_outlives_its_timeout_is_abandoned_and_retried()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Hang().Reply(200, WireSamples.Notification());
        var clock = new ManualTimeProvider();
        using var client = api.Client(
            o =>
            {
                o.AttemptTimeout = TimeSpan.FromSeconds(5);
                o.RetryDelay = TimeSpan.Zero;
            },
            clock);

        var reading = client.GetAsync("ntf_01");
        await api.WaitForRequestsAsync(1);
        await clock.WaitForTimerAsync(due => due == TimeSpan.FromSeconds(5));
        clock.Advance(TimeSpan.FromSeconds(5));
        var notification = await reading.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("ntf_01", notification.Id);
        Assert.Equal(2, api.Requests.Count);
    }

    [Fact]
    public async Task Cancel_attempt_that_outlives_its_timeout_is_not_repeated_and_surfaces_as_a_timeout()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Hang().Reply(200, WireSamples.Notification(state: "CANCELLED"));
        var clock = new ManualTimeProvider();
        using var client = api.Client(
            o =>
            {
                o.AttemptTimeout = TimeSpan.FromSeconds(5);
                o.RetryDelay = TimeSpan.Zero;
            },
            clock);

        var cancelling = client.CancelAsync("ntf_01");
        await api.WaitForRequestsAsync(1);
        await clock.WaitForTimerAsync(due => due == TimeSpan.FromSeconds(5));
        clock.Advance(TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => cancelling.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("attempt timeout", error.Message);
        Assert.Single(api.Requests);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_retried()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Hang().Reply(200, WireSamples.Notification());
        using var client = api.Client();
        using var stop = new CancellationTokenSource();

        var reading = client.GetAsync("ntf_01", stop.Token);
        await api.WaitForRequestsAsync(1);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        Assert.Single(api.Requests);
    }
}
