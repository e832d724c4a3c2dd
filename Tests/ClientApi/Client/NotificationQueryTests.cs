using PaymentNotifications.Client;
using PaymentNotifications.Client.Models;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Client;

public sealed class NotificationQueryTests
{
    [Fact]
    public async Task Get_reads_every_contract_field_and_ignores_unknown_ones()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, """
            {
              "id": "ntf_9", "idempotencyKey": "charge-8812-paid", "type": "charge.paid",
              "channel": "email", "priority": "critical", "state": "NOT_APPLY",
              "tenantId": "acme", "futureField": { "nested": [1, 2] },
              "attempts": [
                { "number": 2, "provider": "sendgrid", "startedAt": "2026-11-21T10:00:00Z",
                  "durationMs": 41, "outcome": "failed", "statusCode": 503, "error": "busy", "extra": true }
              ],
              "nextAttemptAt": null, "createdAt": "2026-11-21T09:59:59.5Z",
              "updatedAt": "2026-11-21T10:00:00.041Z", "completedAt": "2026-11-21T10:00:01Z"
            }
            """);
        using var client = api.Client();

        var notification = await client.GetAsync("ntf_9");

        Assert.Equal("/v1/notifications/ntf_9", api.Requests.Single().Target);
        Assert.Equal("GET", api.Requests.Single().Method);
        Assert.Equal("ntf_9", notification.Id);
        Assert.Equal("charge-8812-paid", notification.IdempotencyKey);
        Assert.Equal("charge.paid", notification.Type);
        Assert.Equal(Channel.Email, notification.Channel);
        Assert.Equal(Priority.Critical, notification.Priority);
        Assert.Equal(NotificationState.NotApply, notification.State);
        Assert.True(notification.IsFinal);
        Assert.Null(notification.NextAttemptAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 9, 59, 59, 500, TimeSpan.Zero), notification.CreatedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 10, 0, 0, 41, TimeSpan.Zero), notification.UpdatedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 10, 0, 1, TimeSpan.Zero), notification.CompletedAt);
        var attempt = Assert.Single(notification.Attempts);
        Assert.Equal(
            new DeliveryAttempt
            {
                Number = 2,
                Provider = "sendgrid",
                StartedAt = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero),
                DurationMs = 41,
                Outcome = "failed",
                StatusCode = 503,
                Error = "busy",
            },
            attempt);
    }

    [Theory]
    [InlineData("PENDING", NotificationState.Pending)]
    [InlineData("SUCCESS", NotificationState.Success)]
    [InlineData("FAILED", NotificationState.Failed)]
    [InlineData("NOT_APPLY", NotificationState.NotApply)]
    [InlineData("CANCELLED", NotificationState.Cancelled)]
    public async Task Every_contract_state_is_read(string wire, NotificationState expected)
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, WireSamples.Notification(state: wire));
        using var client = api.Client();

        Assert.Equal(expected, (await client.GetAsync("ntf_01")).State);
    }

    [Fact]
    public async Task Ids_are_escaped_into_a_single_path_segment()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, WireSamples.Notification());
        using var client = api.Client();

        await client.GetAsync("a b/c?d");

        Assert.Equal("/v1/notifications/a%20b%2Fc%3Fd", api.Requests.Single().Target);
    }

    [Fact]
    public async Task Listing_walks_every_page_by_cursor_with_the_filters_on_each_request()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, WireSamples.Page("c1", "n5", "n4"))
           .Reply(200, WireSamples.Page("c2", "n3", "n2"))
           .Reply(200, WireSamples.Page(null, "n1"));
        using var client = api.Client();
        var query = new NotificationQuery
        {
            State = NotificationState.NotApply,
            Channel = Channel.Sms,
            Type = "charge.paid",
            UserId = "u 1",
            Limit = 2,
        };

        var ids = new List<string>();
        await foreach (var notification in client.ListAsync(query))
        {
            ids.Add(notification.Id);
        }

        Assert.Equal(["n5", "n4", "n3", "n2", "n1"], ids);
        const string filters = "state=NOT_APPLY&channel=sms&type=charge.paid&userId=u%201&limit=2";
        Assert.Equal(
            [$"/v1/notifications?{filters}", $"/v1/notifications?{filters}&cursor=c1", $"/v1/notifications?{filters}&cursor=c2"],
            api.Requests.Select(r => r.Target));
    }

    [Fact]
    public async Task A_single_page_carries_its_next_cursor_and_an_unfiltered_listing_sends_no_query()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, WireSamples.Page("next-7", "n1"));
        using var client = api.Client();

        var page = await client.ListPageAsync();

        Assert.Equal("/v1/notifications", api.Requests.Single().Target);
        Assert.Equal("next-7", page.NextCursor);
        Assert.Equal("n1", Assert.Single(page.Items).Id);
    }

    [Fact]
    public async Task Enumeration_stops_fetching_when_the_caller_stops()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, WireSamples.Page("c1", "n3", "n2")).Reply(200, WireSamples.Page(null, "n1"));
        using var client = api.Client();

        await foreach (var notification in client.ListAsync())
        {
            break;
        }

        Assert.Single(api.Requests);
    }

    [Fact]
    public async Task Cancel_posts_to_the_cancel_route_and_returns_the_cancelled_notification()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, WireSamples.Notification(state: "CANCELLED"));
        using var client = api.Client();

        var notification = await client.CancelAsync("ntf_01");

        var request = api.Requests.Single();
        Assert.Equal(("POST", "/v1/notifications/ntf_01/cancel"), (request.Method, request.Target));
        Assert.Equal(NotificationState.Cancelled, notification.State);
    }

    [Fact]
    public async Task Cancelling_a_notification_that_is_no_longer_pending_is_a_conflict()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(409, WireSamples.Problem(409, "https://notifications.orleans/problems/not-pending", "Not pending", "It is SUCCESS."));
        using var client = api.Client();

        var error = await Assert.ThrowsAsync<NotificationConflictException>(() => client.CancelAsync("ntf_01"));

        Assert.Equal("https://notifications.orleans/problems/not-pending", error.Type);
    }

    [Fact]
    public async Task Retry_posts_to_the_retry_route_and_returns_the_pending_notification()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(202, WireSamples.Notification(state: "PENDING"));
        using var client = api.Client();

        var notification = await client.RetryAsync("ntf_01");

        var request = api.Requests.Single();
        Assert.Equal(("POST", "/v1/notifications/ntf_01/retry"), (request.Method, request.Target));
        Assert.Equal(NotificationState.Pending, notification.State);
    }

    [Theory]
    [InlineData("SUCCESS", NotificationState.Success)]
    [InlineData("FAILED", NotificationState.Failed)]
    [InlineData("NOT_APPLY", NotificationState.NotApply)]
    [InlineData("CANCELLED", NotificationState.Cancelled)]
    public async Task Waiting_returns_once_the_state_is_final(string finalState, NotificationState expected)
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, WireSamples.Notification(state: "PENDING"))
           .Reply(200, WireSamples.Notification(state: "PENDING"))
           .Reply(200, WireSamples.Notification(state: finalState))
           .Otherwise(500);
        using var client = api.Client();

        var notification = await client.WaitForCompletionAsync("ntf_01", pollInterval: TimeSpan.FromMilliseconds(5));

        Assert.Equal(expected, notification.State);
        Assert.Equal(3, api.Requests.Count);
        Assert.All(api.Requests, r => Assert.Equal("/v1/notifications/ntf_01", r.Target));
    }

    [Fact]
    public async Task Waiting_past_the_timeout_throws_a_timeout_naming_the_last_state()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Otherwise(200, WireSamples.Notification(state: "PENDING"));
        var clock = new ManualTimeProvider();
        using var client = api.Client(timeProvider: clock);

        var waiting = client.WaitForCompletionAsync("ntf_01", TimeSpan.FromSeconds(1), timeout: TimeSpan.FromSeconds(10));
        await api.WaitForRequestsAsync(1);
        await clock.WaitForTimerAsync(due => due == TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => waiting);
        Assert.Contains("PENDING", error.Message);
    }

    [Fact]
    public async Task Cancelling_a_wait_is_a_cancellation_not_a_timeout()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Otherwise(200, WireSamples.Notification(state: "PENDING"));
        using var client = api.Client();
        using var stop = new CancellationTokenSource();

        var waiting = client.WaitForCompletionAsync("ntf_01", TimeSpan.FromMilliseconds(5), TimeSpan.FromMinutes(5), stop.Token);
        await api.WaitForRequestsAsync(2);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
