using Microsoft.Extensions.Time.Testing;
using Microsoft.AspNetCore.Http;
using PaymentNotifications.Grains.Channels;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

/// <summary>How answers without a sandbox shape are classified: a local server answers exactly what each test says.</summary>
public sealed class ProviderAttemptTests : IAsyncLifetime
{
    private readonly HttpClient _http = new();
    private StubProviderServer _server = null!;

    public async Task InitializeAsync() => _server = await StubProviderServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private MailgunEmailAdapter Mailgun(TimeProvider? time = null) => new(_http, new MailgunOptions
    {
        BaseUrl = _server.BaseUrl,
        ApiKey = "key-test",
        Domain = "mg.example.com",
        From = "noreply@mg.example.com",
    }, time);

    private TwilioSmsAdapter Twilio() => new(_http, new TwilioOptions
    {
        BaseUrl = _server.BaseUrl,
        AccountSid = "AC00000000000000000000000000000000",
        AuthToken = "token",
        From = "+15005550006",
    });

    [Fact]
    public async Task Retry_after_given_as_a_date_becomes_the_delay_until_then()
    {
        var now = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
        _server.Answer = context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = now.AddMinutes(2).ToString("R");
            return Task.CompletedTask;
        };

        var result = await Mailgun(new FakeTimeProvider(now)).SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(TimeSpan.FromMinutes(2), result.RetryAfter);
    }

    [Fact]
    public async Task Request_timeout_status_is_retryable()
    {
        _server.Answer = context =>
        {
            context.Response.StatusCode = 408;
            return Task.CompletedTask;
        };

        var result = await Mailgun().SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(408, result.StatusCode);
    }

    [Fact]
    public async Task Long_error_text_is_cut_to_500_characters()
    {
        _server.Answer = context =>
        {
            context.Response.StatusCode = 400;
            return context.Response.WriteAsync(new string('e', 5000));
        };

        var result = await Mailgun().SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Equal(500, result.Error!.Length);
    }

    [Fact]
    public async Task Success_with_an_unreadable_body_is_still_a_success()
    {
        _server.Answer = context =>
        {
            context.Response.StatusCode = 201;
            return context.Response.WriteAsync("<html>created</html>");
        };

        var result = await Twilio().SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Success, result.Outcome);
        Assert.Null(result.ProviderMessageId);
    }

    [Fact]
    public async Task Connection_dropped_after_sending_is_an_unknown_outcome()
    {
        _server.Answer = context =>
        {
            context.Abort();
            return Task.CompletedTask;
        };

        var result = await Mailgun().SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Unknown, result.Outcome);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_turned_into_an_outcome()
    {
        var answered = new TaskCompletionSource();
        _server.Answer = async context =>
        {
            answered.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };
        using var cancel = new CancellationTokenSource();

        var sending = Mailgun().SendAsync(TestMessages.Email("payer@example.com"), cancel.Token);
        await answered.Task;
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
    }
}
