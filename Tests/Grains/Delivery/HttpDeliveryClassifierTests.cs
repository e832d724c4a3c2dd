using System.Net;
using System.Net.Sockets;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Webhooks;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Delivery;

public sealed class HttpDeliveryClassifierTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(202)]
    [InlineData(204)]
    [InlineData(299)]
    public void Success_statuses(int status)
    {
        Assert.Equal(DeliveryOutcome.Success, HttpDeliveryClassifier.Classify(status).Outcome);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(409)]
    [InlineData(425)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(599)]
    public void Retryable_statuses(int status)
    {
        var result = HttpDeliveryClassifier.Classify(status);
        Assert.Equal(DeliveryOutcome.Retryable, result.Outcome);
        Assert.False(result.DisablesEndpoint);
        Assert.Equal(status, result.StatusCode);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(405)]
    [InlineData(413)]
    [InlineData(422)]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(308)]
    public void Permanent_statuses(int status)
    {
        var result = HttpDeliveryClassifier.Classify(status);
        Assert.Equal(DeliveryOutcome.Permanent, result.Outcome);
        Assert.False(result.DisablesEndpoint);
    }

    [Fact]
    public void Gone_is_permanent_and_disables_the_endpoint()
    {
        var result = HttpDeliveryClassifier.Classify(HttpStatusCode.Gone);
        Assert.Equal(DeliveryOutcome.Permanent, result.Outcome);
        Assert.True(result.DisablesEndpoint);
    }

    [Fact]
    public void Redirects_say_they_are_not_followed()
    {
        Assert.Contains("redirect", HttpDeliveryClassifier.Classify(302).Reason);
    }

    [Fact]
    public void Retry_after_is_kept_only_for_retryable_results()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), HttpDeliveryClassifier.Classify(429, TimeSpan.FromSeconds(30)).RetryAfter);
        Assert.Null(HttpDeliveryClassifier.Classify(400, TimeSpan.FromSeconds(30)).RetryAfter);
    }

    [Theory]
    [InlineData("120", 120)]
    [InlineData(" 0 ", 0)]
    [InlineData("Sun, 01 Mar 2026 12:05:00 GMT", 300)]
    [InlineData("Sunday, 01-Mar-26 12:05:00 GMT", 300)]
    [InlineData("Sun Mar  1 12:05:00 2026", 300)]
    [InlineData("Sun, 01 Mar 2026 11:00:00 GMT", 0)]
    public void Retry_after_is_read_as_seconds_or_http_date(string value, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), HttpDeliveryClassifier.ParseRetryAfter(value, Now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("1.5")]
    public void Unreadable_retry_after_is_ignored(string? value)
    {
        Assert.Null(HttpDeliveryClassifier.ParseRetryAfter(value, Now));
    }

    [Fact]
    public void Huge_retry_after_saturates_instead_of_overflowing()
    {
        Assert.Equal(TimeSpan.MaxValue, HttpDeliveryClassifier.ParseRetryAfter("99999999999999999999999", Now));
    }

    [Fact]
    public void Response_retry_after_in_seconds_is_read()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "90");
        var result = HttpDeliveryClassifier.Classify(response, Now);
        Assert.Equal(DeliveryOutcome.Retryable, result.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(90), result.RetryAfter);
    }

    [Fact]
    public void Response_retry_after_as_a_date_is_relative_to_now()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        response.Headers.TryAddWithoutValidation("Retry-After", "Sun, 01 Mar 2026 12:10:00 GMT");
        Assert.Equal(TimeSpan.FromMinutes(10), HttpDeliveryClassifier.Classify(response, Now).RetryAfter);
    }

    [Fact]
    public void Response_without_retry_after_has_none()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        Assert.Null(HttpDeliveryClassifier.Classify(response, Now).RetryAfter);
    }

    [Fact]
    public void Network_errors_and_timeouts_are_retryable()
    {
        Assert.Equal(DeliveryOutcome.Retryable, HttpDeliveryClassifier.ClassifyException(new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused))).Outcome);
        Assert.Equal(DeliveryOutcome.Retryable, HttpDeliveryClassifier.ClassifyException(new TaskCanceledException("timeout", new TimeoutException())).Outcome);
        Assert.Equal(DeliveryOutcome.Retryable, HttpDeliveryClassifier.ClassifyException(new HttpRequestException(HttpRequestError.NameResolutionError, "dns")).Outcome);
        Assert.Equal(DeliveryOutcome.Retryable, HttpDeliveryClassifier.ClassifyException(new IOException("reset")).Outcome);
    }

    [Fact]
    public void A_refused_target_is_permanent_even_when_wrapped()
    {
        var wrapped = new HttpRequestException("connect failed", new WebhookTargetRefusedException("internal.example", "10.0.0.1 is in a private range"));
        var result = HttpDeliveryClassifier.ClassifyException(wrapped);
        Assert.Equal(DeliveryOutcome.Permanent, result.Outcome);
        Assert.Contains("private", result.Reason);
    }

    [Fact]
    public void A_request_that_cannot_be_built_is_permanent()
    {
        Assert.Equal(DeliveryOutcome.Permanent, HttpDeliveryClassifier.ClassifyException(new InvalidOperationException("bad uri")).Outcome);
    }
}
