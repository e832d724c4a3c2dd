using Microsoft.Extensions.Time.Testing;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Silo.Sandbox;
using PaymentNotifications.Tests.Silo.Sandbox;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

public sealed class ApnsPushAdapterTests : SandboxTest
{
    private const string DeviceToken = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    private ApnsPushAdapter Adapter(Action<ApnsOptions>? change = null, TimeProvider? time = null)
    {
        var options = Sandbox.ApnsOptions();
        change?.Invoke(options);
        return new ApnsPushAdapter(Http, options, time);
    }

    [Fact]
    public async Task Accepted_notification_succeeds_with_the_apns_id_derived_from_the_notification()
    {
        var message = TestMessages.Push(DeviceToken, PushPlatform.Ios);

        var result = await Adapter().SendAsync(message, CancellationToken.None);

        Assert.Equal(ProviderOutcome.Success, result.Outcome);
        Assert.Equal(ApnsPushAdapter.ApnsIdFor(message.NotificationId).ToString("D"), result.ProviderMessageId);
    }

    [Fact]
    public async Task Request_goes_over_http2_with_the_provider_token_and_apns_headers()
    {
        var message = TestMessages.Push(DeviceToken, PushPlatform.Ios);
        await Adapter().SendAsync(message, CancellationToken.None);

        var recorded = Assert.Single(Sandbox.Recorder.Messages("apns"));
        Assert.Equal("HTTP/2", recorded.Protocol);
        Assert.Equal($"{Sandbox.Credentials.ApnsTeamId}/{Sandbox.Credentials.ApnsKeyId}", recorded.AuthenticatedAs);
        Assert.Equal(DeviceToken, recorded.Recipient);
        Assert.Equal(Sandbox.Credentials.ApnsBundleId, recorded.Headers["apns-topic"]);
        Assert.Equal("alert", recorded.Headers["apns-push-type"]);
        Assert.Equal("10", recorded.Headers["apns-priority"]);
        Assert.Equal(message.NotificationId, recorded.Headers["apns-collapse-id"]);
        var payload = JsonNode.Parse(recorded.Json!)!;
        Assert.Equal("Payment received", (string?)payload["aps"]!["alert"]!["title"]);
        Assert.Equal(message.NotificationId, (string?)payload[ApnsPushAdapter.NotificationIdPayloadKey]);
        Assert.Equal("pay_123", (string?)payload["paymentId"]);
    }

    [Fact]
    public void Apns_id_is_a_stable_version_5_uuid_of_the_notification_id()
    {
        var first = ApnsPushAdapter.ApnsIdFor("ntf_1");

        Assert.Equal(first, ApnsPushAdapter.ApnsIdFor("ntf_1"));
        Assert.NotEqual(first, ApnsPushAdapter.ApnsIdFor("ntf_2"));
        Assert.Equal(5, first.Version);
    }

    [Fact]
    public async Task Token_signed_with_another_key_is_refused()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var result = await Adapter(o => o.PrivateKey = otherKey.ExportPkcs8PrivateKeyPem())
            .SendAsync(TestMessages.Push(DeviceToken, PushPlatform.Ios), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Equal(403, result.StatusCode);
        Assert.Equal("403 InvalidProviderToken", result.Error);
        Assert.Empty(Sandbox.Recorder.Messages("apns"));
    }

    [Fact]
    public async Task Expired_provider_token_is_retryable_with_a_fresh_token()
    {
        var twoHoursAgo = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));

        var result = await Adapter(time: twoHoursAgo).SendAsync(TestMessages.Push(DeviceToken, PushPlatform.Ios), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal("403 ExpiredProviderToken", result.Error);
    }

    [Fact]
    public async Task Bad_device_token_is_a_permanent_failure_with_an_invalid_recipient()
    {
        var result = await Adapter().SendAsync(TestMessages.Push("invalid-token", PushPlatform.Ios), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.True(result.RecipientInvalid);
        Assert.Equal("400 BadDeviceToken", result.Error);
    }

    [Fact]
    public async Task Unregistered_device_is_a_permanent_failure_with_an_invalid_recipient()
    {
        var result = await Adapter().SendAsync(TestMessages.Push("unregistered-token", PushPlatform.Ios), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.True(result.RecipientInvalid);
        Assert.Equal(410, result.StatusCode);
    }

    [Fact]
    public async Task Too_many_requests_is_retryable()
    {
        Sandbox.Faults.Set("apns", new FaultSettings(ThrottleRate: 1));

        var result = await Adapter().SendAsync(TestMessages.Push(DeviceToken, PushPlatform.Ios), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal("429 TooManyRequests", result.Error);
    }

    [Fact]
    public async Task Server_error_is_retryable()
    {
        Sandbox.Faults.Set("apns", new FaultSettings(ErrorRate: 1));

        var result = await Adapter().SendAsync(TestMessages.Push(DeviceToken, PushPlatform.Ios), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(500, result.StatusCode);
    }

    [Fact]
    public async Task Timeout_after_sending_is_an_unknown_outcome()
    {
        Sandbox.Faults.Set("apns", new FaultSettings(TimeoutRate: 1));

        var result = await Adapter(o => o.AttemptTimeout = TimeSpan.FromSeconds(1))
            .SendAsync(TestMessages.Push(DeviceToken, PushPlatform.Ios), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Unknown, result.Outcome);
    }

    [Fact]
    public void Delivers_only_to_ios_tokens()
    {
        var adapter = Adapter();

        Assert.True(adapter.CanDeliver(TestMessages.Push(DeviceToken, PushPlatform.Ios)));
        Assert.False(adapter.CanDeliver(TestMessages.Push(DeviceToken, PushPlatform.Android)));
    }
}
