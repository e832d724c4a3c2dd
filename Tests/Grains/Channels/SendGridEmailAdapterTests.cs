using System.Text.Json.Nodes;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Silo.Sandbox;
using PaymentNotifications.Tests.Silo.Sandbox;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

public sealed class SendGridEmailAdapterTests : SandboxTest
{
    private SendGridEmailAdapter Adapter(Action<SendGridOptions>? change = null)
    {
        var options = Sandbox.SendGridOptions();
        change?.Invoke(options);
        return new SendGridEmailAdapter(Http, options);
    }

    [Fact]
    public async Task Accepted_mail_succeeds_with_the_x_message_id()
    {
        var result = await Adapter().SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Success, result.Outcome);
        Assert.Equal(202, result.StatusCode);
        var recorded = Assert.Single(Sandbox.Recorder.Messages("sendgrid"));
        Assert.Equal(recorded.Id, result.ProviderMessageId);
    }

    [Fact]
    public async Task Request_carries_the_bearer_key_and_the_documented_body()
    {
        var message = TestMessages.Email("payer@example.com");
        await Adapter().SendAsync(message, CancellationToken.None);

        var recorded = Assert.Single(Sandbox.Recorder.Messages("sendgrid"));
        Assert.Equal(Sandbox.Credentials.SendGridApiKeyId, recorded.AuthenticatedAs);
        var mail = JsonNode.Parse(recorded.Json!)!;
        Assert.Equal("payer@example.com", (string?)mail["personalizations"]![0]!["to"]![0]!["email"]);
        Assert.Equal(Sandbox.Credentials.SendGridFromEmail, (string?)mail["from"]!["email"]);
        Assert.Equal("Payment received", (string?)mail["subject"]);
        Assert.Equal("text/plain", (string?)mail["content"]![0]!["type"]);
        Assert.Equal("text/html", (string?)mail["content"]![1]!["type"]);
        Assert.Equal(message.NotificationId, (string?)mail["custom_args"]!["notification_id"]);
    }

    [Fact]
    public async Task Invalid_address_is_a_permanent_failure_with_an_invalid_recipient()
    {
        var result = await Adapter().SendAsync(TestMessages.Email("payer@invalid.example"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.True(result.RecipientInvalid);
        Assert.Equal(400, result.StatusCode);
        Assert.Contains("personalizations.0.to.0.email", result.Error);
    }

    [Fact]
    public async Task Invalid_content_is_permanent_without_blaming_the_recipient()
    {
        var message = TestMessages.Email("payer@example.com") with { Content = new RenderedContent(Text: "no subject") };

        var result = await Adapter().SendAsync(message, CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.False(result.RecipientInvalid);
        Assert.Contains("subject", result.Error);
    }

    [Fact]
    public async Task Wrong_key_is_rejected()
    {
        var result = await Adapter(o => o.ApiKey = "SG.wrong.key").SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Equal(401, result.StatusCode);
        Assert.Empty(Sandbox.Recorder.Messages("sendgrid"));
    }

    [Fact]
    public async Task Rate_limit_is_retryable_after_the_announced_reset()
    {
        Sandbox.Faults.Set("sendgrid", new FaultSettings(ThrottleRate: 1, RetryAfterSeconds: 60));

        var result = await Adapter().SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(429, result.StatusCode);
        Assert.NotNull(result.RetryAfter);
        Assert.InRange(result.RetryAfter.Value, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(61));
    }

    [Fact]
    public async Task Server_error_is_retryable()
    {
        Sandbox.Faults.Set("sendgrid", new FaultSettings(ErrorRate: 1));

        var result = await Adapter().SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(500, result.StatusCode);
    }

    [Fact]
    public async Task Timeout_after_sending_is_an_unknown_outcome()
    {
        Sandbox.Faults.Set("sendgrid", new FaultSettings(TimeoutRate: 1));

        var result = await Adapter(o => o.AttemptTimeout = TimeSpan.FromSeconds(1))
            .SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Unknown, result.Outcome);
    }
}

public sealed class SendGridBounceEventTests : SandboxTest
{
    private CallbackReceiver? _receiver;

    protected override SandboxOptions Options
    {
        get
        {
            var options = base.Options;
            options.SendGridEventWebhookUrl = new Uri(_receiver!.BaseUrl, "events/sendgrid").ToString();
            return options;
        }
    }

    public override async Task InitializeAsync()
    {
        _receiver = await CallbackReceiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _receiver!.DisposeAsync();
    }

    [Fact]
    public async Task Undelivered_mail_is_reported_by_a_signed_bounce_event_carrying_our_id()
    {
        Sandbox.Faults.Set("sendgrid", new FaultSettings(UndeliveredRate: 1));
        var options = Sandbox.SendGridOptions();
        var message = TestMessages.Email("payer@example.com");

        var sent = await new SendGridEmailAdapter(Http, options).SendAsync(message, CancellationToken.None);
        var received = await _receiver!.NextAsync();

        Assert.Equal(ProviderOutcome.Success, sent.Outcome);
        using var signature = new SendGridEventSignature(options.EventWebhookPublicKey!);
        Assert.True(signature.Verify(
            received.Body, received.Headers[SendGridEventSignature.TimestampHeader], received.Headers[SendGridEventSignature.SignatureHeader]));
        var bounce = JsonNode.Parse(received.Body)![0]!;
        Assert.Equal("bounce", (string?)bounce["event"]);
        Assert.Equal(message.NotificationId, (string?)bounce["notification_id"]);
        Assert.StartsWith(sent.ProviderMessageId!, (string?)bounce["sg_message_id"]);
    }
}
