using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Notifications.Orleans.Grains.Channels;
using Xunit;

namespace Notifications.Orleans.Tests.Grains.Channels;

/// <summary>How answers without a sandbox shape are classified: a local server answers exactly what each test says.</summary>
public sealed class ProviderAttemptTests : IAsyncLifetime
{
    private readonly HttpClient _http = new();
    private WebApplication _server = null!;
    private RequestDelegate _answer = _ => Task.CompletedTask;
    private string _baseUrl = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.Run(context => _answer(context));
        await _server.StartAsync();
        _baseUrl = _server.Urls.First();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.StopAsync();
        await _server.DisposeAsync();
    }

    private MailgunEmailAdapter Mailgun(TimeProvider? time = null) => new(_http, new MailgunOptions
    {
        BaseUrl = _baseUrl,
        ApiKey = "key-test",
        Domain = "mg.example.com",
        From = "noreply@mg.example.com",
    }, time);

    private TwilioSmsAdapter Twilio() => new(_http, new TwilioOptions
    {
        BaseUrl = _baseUrl,
        AccountSid = "AC00000000000000000000000000000000",
        AuthToken = "token",
        From = "+15005550006",
    });

    [Fact]
    public async Task Retry_after_given_as_a_date_becomes_the_delay_until_then()
    {
        var now = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
        _answer = context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = now.AddMinutes(2).ToString("R");
            return Task.CompletedTask;
        };

        var result = await Mailgun(new FixedClock(now)).SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(TimeSpan.FromMinutes(2), result.RetryAfter);
    }

    [Fact]
    public async Task Request_timeout_status_is_retryable()
    {
        _answer = context =>
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
        _answer = context =>
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
        _answer = context =>
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
        _answer = context =>
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
        _answer = async context =>
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
