using System.Net;
using System.Net.Sockets;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Silo.Sandbox;
using PaymentNotifications.Tests.Silo.Sandbox;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

public sealed class TwilioSmsAdapterTests : SandboxTest
{
    private TwilioSmsAdapter Adapter(Action<TwilioOptions>? change = null)
    {
        var options = Sandbox.TwilioOptions();
        change?.Invoke(options);
        return new TwilioSmsAdapter(Http, options);
    }

    [Fact]
    public async Task Accepted_message_succeeds_with_the_message_sid()
    {
        var result = await Adapter().SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Success, result.Outcome);
        Assert.Equal(201, result.StatusCode);
        Assert.StartsWith("SM", result.ProviderMessageId);
        Assert.Equal("twilio", result.Provider);
    }

    [Fact]
    public async Task Request_carries_basic_auth_and_the_documented_form_fields()
    {
        var message = TestMessages.Sms("+4915112345678");
        var result = await Adapter(o => o.StatusCallbackUrl = "https://notify.example.com/callbacks/twilio").SendAsync(message, CancellationToken.None);

        var recorded = Assert.Single(Sandbox.Recorder.Messages("twilio"));
        Assert.Equal(result.ProviderMessageId, recorded.Id);
        Assert.Equal(Sandbox.Credentials.TwilioAccountSid, recorded.AuthenticatedAs);
        Assert.Equal("+4915112345678", recorded.Fields["To"]);
        Assert.Equal(Sandbox.Credentials.TwilioFrom, recorded.Fields["From"]);
        Assert.Equal("Your payment code is 123456", recorded.Fields["Body"]);
        Assert.Equal($"https://notify.example.com/callbacks/twilio?notificationId={message.NotificationId}", recorded.Fields["StatusCallback"]);
    }

    [Fact]
    public async Task Invalid_number_is_a_permanent_failure_with_an_invalid_recipient()
    {
        var result = await Adapter().SendAsync(TestMessages.Sms("0151-invalid"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.True(result.RecipientInvalid);
        Assert.Equal(400, result.StatusCode);
        Assert.StartsWith("21211:", result.Error);
        Assert.Empty(Sandbox.Recorder.Messages("twilio"));
    }

    [Fact]
    public async Task Unsubscribed_recipient_is_permanent_but_the_number_stays_valid()
    {
        var result = await Adapter().SendAsync(TestMessages.Sms("+15005550004"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.False(result.RecipientInvalid);
        Assert.StartsWith("21610:", result.Error);
    }

    [Fact]
    public async Task Server_error_is_retryable()
    {
        Sandbox.Faults.Set("twilio", new FaultSettings(ErrorRate: 1));

        var result = await Adapter().SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(500, result.StatusCode);
        Assert.StartsWith("20500:", result.Error);
    }

    [Fact]
    public async Task Throttling_is_retryable_after_the_delay_the_provider_asks_for()
    {
        Sandbox.Faults.Set("twilio", new FaultSettings(ThrottleRate: 1, RetryAfterSeconds: 7));

        var result = await Adapter().SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(429, result.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), result.RetryAfter);
    }

    [Fact]
    public async Task Provider_down_is_retryable()
    {
        Sandbox.Faults.Set("twilio", new FaultSettings(Down: true, RetryAfterSeconds: 30));

        var result = await Adapter().SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(503, result.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), result.RetryAfter);
    }

    [Fact]
    public async Task Timeout_after_sending_is_an_unknown_outcome_and_the_provider_has_the_message()
    {
        Sandbox.Faults.Set("twilio", new FaultSettings(TimeoutRate: 1));

        var result = await Adapter(o => o.AttemptTimeout = TimeSpan.FromSeconds(1))
            .SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Unknown, result.Outcome);
        Assert.Null(result.StatusCode);
        Assert.Single(Sandbox.Recorder.Messages("twilio"));
    }

    [Fact]
    public async Task Refused_connection_is_retryable_because_nothing_was_sent()
    {
        var result = await Adapter(o => o.BaseUrl = $"http://127.0.0.1:{ClosedPort()}")
            .SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.StartsWith("request not sent", result.Error);
    }

    [Fact]
    public async Task Wrong_auth_token_is_rejected()
    {
        var result = await Adapter(o => o.AuthToken = "not-the-token").SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Equal(401, result.StatusCode);
        Assert.StartsWith("20003:", result.Error);
        Assert.Empty(Sandbox.Recorder.Messages("twilio"));
    }

    [Fact]
    public async Task Status_query_reports_the_delivery_of_a_known_sid()
    {
        var adapter = Adapter();
        var sent = await adapter.SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        var answer = await adapter.QueryAsync("any", sent.ProviderMessageId, CancellationToken.None);

        Assert.NotNull(answer);
        Assert.True(answer.Found);
        Assert.Equal(ProviderDeliveryStatus.Delivered, answer.Status);
        Assert.Equal(sent.ProviderMessageId, answer.ProviderMessageId);
    }

    [Fact]
    public async Task Status_query_of_an_unknown_sid_says_the_provider_does_not_have_it()
    {
        var answer = await Adapter().QueryAsync("any", "SM00000000000000000000000000000000", CancellationToken.None);

        Assert.NotNull(answer);
        Assert.False(answer.Found);
    }

    [Fact]
    public async Task Status_query_without_a_sid_cannot_ask()
    {
        Assert.Null(await Adapter().QueryAsync("ntf_1", null, CancellationToken.None));
    }

    [Fact]
    public async Task Undelivered_message_is_reported_by_a_signed_status_callback()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        Sandbox.Faults.Set("twilio", new FaultSettings(UndeliveredRate: 1));
        var adapter = Adapter(o => o.StatusCallbackUrl = new Uri(receiver.BaseUrl, "callbacks/twilio").ToString());
        var message = TestMessages.Sms("+4915112345678");

        var sent = await adapter.SendAsync(message, CancellationToken.None);
        var callback = await receiver.NextAsync();

        Assert.Equal(ProviderOutcome.Success, sent.Outcome);
        Assert.Equal("undelivered", callback.Form["MessageStatus"]);
        Assert.Equal(sent.ProviderMessageId, callback.Form["MessageSid"]);
        Assert.EndsWith($"?notificationId={message.NotificationId}", callback.Url);
        Assert.True(TwilioRequestSignature.IsValid(
            Sandbox.Credentials.TwilioAuthToken, callback.Url, callback.Form, callback.Headers[TwilioRequestSignature.HeaderName]));
        var answer = await adapter.QueryAsync(message.NotificationId, sent.ProviderMessageId, CancellationToken.None);
        Assert.Equal(ProviderDeliveryStatus.Undelivered, answer!.Status);
    }

    [Fact]
    public void Missing_credentials_are_refused_with_a_clear_message()
    {
        var problem = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => new TwilioSmsAdapter(Http, new TwilioOptions { From = "+15005550006" }));

        Assert.Contains("AccountSid is required", problem.Message);
        Assert.Contains("AuthToken is required", problem.Message);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
