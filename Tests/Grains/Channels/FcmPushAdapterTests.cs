using System.Security.Cryptography;
using System.Text.Json.Nodes;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Silo.Sandbox;
using PaymentNotifications.Tests.Silo.Sandbox;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

public sealed class FcmPushAdapterTests : SandboxTest
{
    private FcmPushAdapter Adapter(Action<FcmOptions>? change = null)
    {
        var options = Sandbox.FcmOptions();
        change?.Invoke(options);
        return new FcmPushAdapter(Http, options);
    }

    [Fact]
    public async Task Accepted_message_succeeds_with_the_message_name()
    {
        var result = await Adapter().SendAsync(TestMessages.Push("android-token-1", PushPlatform.Android), CancellationToken.None);

        Assert.True(result.Outcome == ProviderOutcome.Success, result.Error);
        Assert.StartsWith($"projects/{Sandbox.Credentials.FcmProjectId}/messages/", result.ProviderMessageId);
    }

    [Fact]
    public async Task Request_carries_the_oauth_token_and_the_documented_message()
    {
        var message = TestMessages.Push("android-token-1", PushPlatform.Android);
        await Adapter().SendAsync(message, CancellationToken.None);

        var recorded = Assert.Single(Sandbox.Recorder.Messages("fcm"));
        Assert.Equal(Sandbox.Credentials.FcmClientEmail, recorded.AuthenticatedAs);
        var sent = JsonNode.Parse(recorded.Json!)!["message"]!;
        Assert.Equal("android-token-1", (string?)sent["token"]);
        Assert.Equal("Payment received", (string?)sent["notification"]!["title"]);
        Assert.Equal("You received 10.00 EUR.", (string?)sent["notification"]!["body"]);
        Assert.Equal(message.NotificationId, (string?)sent["data"]![FcmPushAdapter.NotificationIdDataKey]);
        Assert.Equal("pay_123", (string?)sent["data"]!["paymentId"]);
    }

    [Fact]
    public async Task Access_token_is_obtained_once_and_reused_across_sends()
    {
        var adapter = Adapter();

        for (var i = 0; i < 3; i++)
        {
            var result = await adapter.SendAsync(TestMessages.Push($"android-token-{i}", PushPlatform.Android), CancellationToken.None);
            Assert.Equal(ProviderOutcome.Success, result.Outcome);
        }

        Assert.Equal(1, Sandbox.Recorder.TokenGrants("fcm"));
        Assert.Equal(3, Sandbox.Recorder.Messages("fcm").Count);
    }

    [Fact]
    public async Task Unregistered_token_is_a_permanent_failure_with_an_invalid_recipient()
    {
        var result = await Adapter().SendAsync(TestMessages.Push("unregistered-token", PushPlatform.Android), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.True(result.RecipientInvalid);
        Assert.Equal(404, result.StatusCode);
        Assert.StartsWith("UNREGISTERED:", result.Error);
    }

    [Fact]
    public async Task Malformed_token_is_a_permanent_failure_with_an_invalid_recipient()
    {
        var result = await Adapter().SendAsync(TestMessages.Push("invalid-token", PushPlatform.Android), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.True(result.RecipientInvalid);
        Assert.StartsWith("INVALID_ARGUMENT:", result.Error);
    }

    [Fact]
    public async Task Quota_exceeded_is_retryable_after_the_delay_the_provider_asks_for()
    {
        Sandbox.Faults.Set("fcm", new FaultSettings(ThrottleRate: 1, RetryAfterSeconds: 5));

        var result = await Adapter().SendAsync(TestMessages.Push("android-token-1", PushPlatform.Android), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.StartsWith("QUOTA_EXCEEDED:", result.Error);
        Assert.Equal(TimeSpan.FromSeconds(5), result.RetryAfter);
    }

    [Fact]
    public async Task Unavailable_is_retryable()
    {
        Sandbox.Faults.Set("fcm", new FaultSettings(Down: true));

        var result = await Adapter().SendAsync(TestMessages.Push("android-token-1", PushPlatform.Android), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(503, result.StatusCode);
    }

    [Fact]
    public async Task Service_account_with_a_wrong_key_gets_no_token_and_sends_nothing()
    {
        using var otherKey = RSA.Create(2048);
        var account = JsonNode.Parse(Sandbox.FcmOptions().ServiceAccountJson!)!;
        account["private_key"] = otherKey.ExportPkcs8PrivateKeyPem();

        var result = await Adapter(o => o.ServiceAccountJson = account.ToJsonString())
            .SendAsync(TestMessages.Push("android-token-1", PushPlatform.Android), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Contains("invalid_grant", result.Error);
        Assert.Equal(0, Sandbox.Recorder.TokenGrants("fcm"));
        Assert.Empty(Sandbox.Recorder.Messages("fcm"));
    }

    [Fact]
    public async Task Timeout_after_sending_is_an_unknown_outcome()
    {
        var adapter = Adapter(o => o.AttemptTimeout = TimeSpan.FromSeconds(2));
        // A first send fetches the access token, so the timed attempt is the send alone.
        await adapter.SendAsync(TestMessages.Push("android-token-1", PushPlatform.Android), CancellationToken.None);
        Sandbox.Faults.Set("fcm", new FaultSettings(TimeoutRate: 1));

        var result = await adapter.SendAsync(TestMessages.Push("android-token-1", PushPlatform.Android), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Unknown, result.Outcome);
    }

    [Fact]
    public void Delivers_to_android_and_ios_tokens_but_not_to_other_channels()
    {
        var adapter = Adapter();

        Assert.True(adapter.CanDeliver(TestMessages.Push("t", PushPlatform.Android)));
        Assert.True(adapter.CanDeliver(TestMessages.Push("t", PushPlatform.Ios)));
        Assert.False(adapter.CanDeliver(TestMessages.Email("payer@example.com")));
    }
}
