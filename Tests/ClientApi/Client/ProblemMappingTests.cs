using System.Net;
using PaymentNotifications.Client;
using PaymentNotifications.Client.Models;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Client;

public sealed class ProblemMappingTests
{
    private const string ProblemBase = "https://notifications.orleans/problems/";

    public static TheoryData<int, Type> StatusToException => new()
    {
        { 400, typeof(NotificationsValidationException) },
        { 422, typeof(NotificationsValidationException) },
        { 401, typeof(NotificationsAuthenticationException) },
        { 403, typeof(NotificationsAuthenticationException) },
        { 404, typeof(NotificationNotFoundException) },
        { 409, typeof(NotificationConflictException) },
        { 429, typeof(NotificationsRateLimitedException) },
        { 500, typeof(NotificationsApiException) },
    };

    [Theory]
    [MemberData(nameof(StatusToException))]
    public async Task Each_problem_status_maps_to_its_exception_with_the_problem_fields(int status, Type expected)
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(status, WireSamples.Problem(status, ProblemBase + "kind-" + status, "Title " + status, "Detail " + status));
        using var client = api.Client(o => o.MaxRetries = 0);

        var error = await Assert.ThrowsAnyAsync<NotificationsApiException>(() => client.GetAsync("ntf_01"));

        Assert.IsType(expected, error);
        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Equal(ProblemBase + "kind-" + status, error.Type);
        Assert.Equal("Title " + status, error.Title);
        Assert.Equal("Detail " + status, error.Detail);
        Assert.Equal(status, error.Problem.Status);
        Assert.Contains("Detail " + status, error.Message);
    }

    [Fact]
    public async Task Validation_problem_carries_its_field_errors()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(400, $$"""
            {
              "type": "{{ProblemBase}}validation", "title": "Invalid notification", "status": 400,
              "detail": "2 fields are invalid.",
              "errors": {
                "recipient.phone": ["must be E.164"],
                "idempotencyKey": ["is required", "has 1-200 characters"]
              }
            }
            """);
        using var client = api.Client();

        var error = await Assert.ThrowsAsync<NotificationsValidationException>(() => client.GetAsync("ntf_01"));

        Assert.Equal(["must be E.164"], error.Errors["recipient.phone"]);
        Assert.Equal(["is required", "has 1-200 characters"], error.Errors["idempotencyKey"]);
        Assert.Contains("recipient.phone", error.Message);
        Assert.DoesNotContain("E.164", error.Message);
    }

    [Fact]
    public async Task Rate_limited_problem_carries_retry_after_from_the_header()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(429, WireSamples.Problem(429, ProblemBase + "rate-limited", "Too many requests", "Slow down."), ("Retry-After", "17"));
        using var client = api.Client(o => o.MaxRetries = 0);

        var error = await Assert.ThrowsAsync<NotificationsRateLimitedException>(() => client.GetAsync("ntf_01"));

        Assert.Equal(TimeSpan.FromSeconds(17), error.RetryAfter);
    }

    [Fact]
    public async Task Retry_after_given_as_a_date_is_measured_from_the_clock()
    {
        await using var api = await ScriptedApi.StartAsync();
        var clock = new ManualTimeProvider();
        var retryAt = clock.GetUtcNow().AddSeconds(90).ToString("R");
        api.ReplyProblem(429, WireSamples.Problem(429, ProblemBase + "rate-limited", "Too many requests", "Slow down."), ("Retry-After", retryAt));
        using var client = api.Client(o => o.MaxRetries = 0, clock);

        var error = await Assert.ThrowsAsync<NotificationsRateLimitedException>(() => client.GetAsync("ntf_01"));

        Assert.Equal(TimeSpan.FromSeconds(90), error.RetryAfter);
    }

    [Fact]
    public async Task Error_without_a_problem_document_still_maps_by_status()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyRaw(404, "<html>not here</html>", "text/html").ReplyRaw(500, "{ not json", "application/json");
        using var client = api.Client(o => o.MaxRetries = 0);

        var notFound = await Assert.ThrowsAsync<NotificationNotFoundException>(() => client.GetAsync("ntf_01"));
        var serverError = await Assert.ThrowsAsync<NotificationsApiException>(() => client.GetAsync("ntf_01"));

        Assert.Equal(NotificationsApiException.DefaultType, notFound.Type);
        Assert.Equal("Not Found", notFound.Title);
        Assert.Equal(HttpStatusCode.InternalServerError, serverError.StatusCode);
        Assert.Equal("Internal Server Error", serverError.Title);
    }

    [Fact]
    public async Task Submit_with_a_reused_key_and_another_body_is_a_conflict()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.ReplyProblem(409, WireSamples.Problem(409, ProblemBase + "idempotency-conflict", "Idempotency key reused", "The key was used with a different body."));
        using var client = api.Client();

        var error = await Assert.ThrowsAsync<NotificationConflictException>(() => client.SubmitAsync(
            new NotificationRequest("k-1", "charge.paid", Channel.Webhook)));

        Assert.Equal(ProblemBase + "idempotency-conflict", error.Type);
        Assert.Single(api.Requests);
    }
}
