using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Silo.Sandbox;
using PaymentNotifications.Tests.Silo.Sandbox;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

public sealed class VonageSmsAdapterTests : SandboxTest
{
    private VonageSmsAdapter Adapter(Action<VonageOptions>? change = null)
    {
        var options = Sandbox.VonageOptions();
        change?.Invoke(options);
        return new VonageSmsAdapter(Http, options);
    }

    [Fact]
    public async Task Accepted_message_succeeds_with_the_message_id()
    {
        var result = await Adapter().SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Success, result.Outcome);
        var recorded = Assert.Single(Sandbox.Recorder.Messages("vonage"));
        Assert.Equal(recorded.Id, result.ProviderMessageId);
    }

    [Fact]
    public async Task Request_carries_the_key_and_the_documented_fields_with_our_reference()
    {
        var message = TestMessages.Sms("+4915112345678");
        await Adapter().SendAsync(message, CancellationToken.None);

        var recorded = Assert.Single(Sandbox.Recorder.Messages("vonage"));
        Assert.Equal(Sandbox.Credentials.VonageApiKey, recorded.AuthenticatedAs);
        Assert.Equal("4915112345678", recorded.Fields["to"]);
        Assert.Equal(Sandbox.Credentials.VonageFrom, recorded.Fields["from"]);
        Assert.Equal("Your payment code is 123456", recorded.Fields["text"]);
        Assert.Equal(message.NotificationId, recorded.Fields["client-ref"]);
        Assert.False(recorded.Fields.ContainsKey("api_secret"));
    }

    [Fact]
    public async Task Long_text_is_accepted_when_every_part_is()
    {
        var result = await Adapter().SendAsync(TestMessages.Sms("+4915112345678", new string('x', 400)), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Success, result.Outcome);
        Assert.NotNull(result.ProviderMessageId);
    }

    [Fact]
    public async Task Invalid_number_is_a_permanent_failure_with_an_invalid_recipient()
    {
        var result = await Adapter().SendAsync(TestMessages.Sms("+49-invalid"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.True(result.RecipientInvalid);
        Assert.StartsWith("3:", result.Error);
    }

    [Fact]
    public async Task Wrong_secret_is_rejected_without_blaming_the_recipient()
    {
        var result = await Adapter(o => o.ApiSecret = "wrong").SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.False(result.RecipientInvalid);
        Assert.Equal("4: Bad Credentials", result.Error);
        Assert.Empty(Sandbox.Recorder.Messages("vonage"));
    }

    [Fact]
    public async Task Throttled_status_is_retryable()
    {
        Sandbox.Faults.Set("vonage", new FaultSettings(ThrottleRate: 1));

        var result = await Adapter().SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal("1: Throttled", result.Error);
    }

    [Fact]
    public async Task Server_error_is_retryable()
    {
        Sandbox.Faults.Set("vonage", new FaultSettings(ErrorRate: 1));

        var result = await Adapter().SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(500, result.StatusCode);
    }

    [Fact]
    public async Task Timeout_after_sending_is_an_unknown_outcome()
    {
        Sandbox.Faults.Set("vonage", new FaultSettings(TimeoutRate: 1));

        var result = await Adapter(o => o.AttemptTimeout = TimeSpan.FromSeconds(1))
            .SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Unknown, result.Outcome);
    }
}
