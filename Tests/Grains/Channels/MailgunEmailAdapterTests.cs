using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Silo.Sandbox;
using PaymentNotifications.Tests.Silo.Sandbox;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

public sealed class MailgunEmailAdapterTests : SandboxTest
{
    private MailgunEmailAdapter Adapter(Action<MailgunOptions>? change = null)
    {
        var options = Sandbox.MailgunOptions();
        change?.Invoke(options);
        return new MailgunEmailAdapter(Http, options);
    }

    [Fact]
    public async Task Accepted_mail_succeeds_with_the_message_id()
    {
        var result = await Adapter().SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Success, result.Outcome);
        Assert.Matches($"^<.+@{Sandbox.Credentials.MailgunDomain}>$", result.ProviderMessageId);
    }

    [Fact]
    public async Task Request_carries_basic_auth_and_the_documented_form_with_our_variable()
    {
        var message = TestMessages.Email("payer@example.com");
        await Adapter().SendAsync(message, CancellationToken.None);

        var recorded = Assert.Single(Sandbox.Recorder.Messages("mailgun"));
        Assert.Equal("api", recorded.AuthenticatedAs);
        Assert.Equal("payer@example.com", recorded.Fields["to"]);
        Assert.Equal(Sandbox.Credentials.MailgunFrom, recorded.Fields["from"]);
        Assert.Equal("Payment received", recorded.Fields["subject"]);
        Assert.Equal("You received 10.00 EUR.", recorded.Fields["text"]);
        Assert.Contains("<b>10.00 EUR</b>", recorded.Fields["html"]);
        Assert.Equal(message.NotificationId, recorded.Fields["v:notification-id"]);
    }

    [Fact]
    public async Task Invalid_address_is_a_permanent_failure_with_an_invalid_recipient()
    {
        var result = await Adapter().SendAsync(TestMessages.Email("not-an-address-invalid"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.True(result.RecipientInvalid);
        Assert.Equal(400, result.StatusCode);
    }

    [Fact]
    public async Task Wrong_key_is_rejected()
    {
        var result = await Adapter(o => o.ApiKey = "key-wrong").SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Equal(401, result.StatusCode);
        Assert.Equal("401: Forbidden", result.Error);
    }

    [Fact]
    public async Task Throttling_is_retryable_after_the_delay_the_provider_asks_for()
    {
        Sandbox.Faults.Set("mailgun", new FaultSettings(ThrottleRate: 1, RetryAfterSeconds: 3));

        var result = await Adapter().SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(3), result.RetryAfter);
    }

    [Fact]
    public async Task Server_error_is_retryable()
    {
        Sandbox.Faults.Set("mailgun", new FaultSettings(ErrorRate: 1));

        var result = await Adapter().SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(500, result.StatusCode);
    }

    [Fact]
    public async Task Timeout_after_sending_is_an_unknown_outcome()
    {
        Sandbox.Faults.Set("mailgun", new FaultSettings(TimeoutRate: 1));

        var result = await Adapter(o => o.AttemptTimeout = TimeSpan.FromSeconds(1))
            .SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Unknown, result.Outcome);
    }
}
