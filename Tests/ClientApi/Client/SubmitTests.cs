using System.Text.Json.Nodes;
using PaymentNotifications.Client.Models;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Client;

public sealed class SubmitTests
{
    private static NotificationRequest ChargePaid() =>
        new("charge-8812-paid", "charge.paid", Channel.Webhook)
        {
            Recipient = Recipient.ForMerchant("m-42"),
            Data = new JsonObject { ["chargeId"] = "8812", ["amount"] = 1500, ["currency"] = "BRL" },
        };

    [Fact]
    public async Task Submit_posts_the_contract_body_with_key_header_and_bearer_key()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(202, WireSamples.Notification(), ("Location", "/v1/notifications/ntf_01"));
        using var client = api.Client();

        await client.SubmitAsync(ChargePaid());

        var request = Assert.Single(api.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/notifications", request.Target);
        Assert.Equal($"Bearer {ScriptedApi.ApiKey}", request.Header("Authorization"));
        Assert.Equal("charge-8812-paid", request.Header("Idempotency-Key"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        var expected = JsonNode.Parse("""
            {
              "idempotencyKey": "charge-8812-paid",
              "type": "charge.paid",
              "channel": "webhook",
              "priority": "normal",
              "recipient": { "merchantId": "m-42" },
              "data": { "chargeId": "8812", "amount": 1500, "currency": "BRL" }
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, request.Json), request.Body);
    }

    [Fact]
    public async Task Accepted_submit_is_reported_as_created_with_its_location_and_notification()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(202, WireSamples.Notification(), ("Location", "/v1/notifications/ntf_01"));
        using var client = api.Client();

        var result = await client.SubmitAsync(ChargePaid());

        Assert.True(result.Created);
        Assert.Equal(new Uri(api.BaseAddress, "/v1/notifications/ntf_01"), result.Location);
        Assert.Equal("ntf_01", result.Notification.Id);
        Assert.Equal(NotificationState.Pending, result.Notification.State);
    }

    [Fact]
    public async Task Submit_of_a_seen_key_returns_the_existing_notification_as_not_created()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(200, WireSamples.Notification(state: "SUCCESS"));
        using var client = api.Client();

        var result = await client.SubmitAsync(ChargePaid());

        Assert.False(result.Created);
        Assert.Equal(NotificationState.Success, result.Notification.State);
    }

    [Fact]
    public async Task Sms_submit_sends_user_phone_critical_priority_inline_content_and_a_utc_send_time()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(202, WireSamples.Notification(channel: "sms"));
        using var client = api.Client();

        await client.SubmitAsync(new NotificationRequest("otp-551", "auth.otp", Channel.Sms)
        {
            Priority = Priority.Critical,
            Recipient = Recipient.ForSms("u-9", "+2348012345678"),
            Content = new NotificationContent(Text: "Your code is 551200"),
            SendAt = new DateTimeOffset(2026, 11, 21, 10, 30, 0, TimeSpan.FromHours(1)),
        });

        var expected = JsonNode.Parse("""
            {
              "idempotencyKey": "otp-551",
              "type": "auth.otp",
              "channel": "sms",
              "priority": "critical",
              "recipient": { "userId": "u-9", "phone": "+2348012345678" },
              "content": { "text": "Your code is 551200" },
              "sendAt": "2026-11-21T09:30:00Z"
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, api.Requests.Single().Json), api.Requests.Single().Body);
    }

    [Fact]
    public async Task Push_and_email_recipients_and_a_template_use_the_contract_names()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(202, WireSamples.Notification(channel: "push")).Reply(202, WireSamples.Notification(channel: "email"));
        using var client = api.Client();

        await client.SubmitAsync(new NotificationRequest("p-1", "charge.paid", Channel.Push)
        {
            Recipient = Recipient.ForPush("u-1", "tok-abc", PushPlatform.Ios),
            Template = "charge-paid",
        });
        await client.SubmitAsync(new NotificationRequest("e-1", "charge.paid", Channel.Email)
        {
            Recipient = Recipient.ForEmail("u-1", "ada@example.com"),
        });

        var push = api.Requests[0].Json!;
        Assert.Equal("push", push["channel"]!.GetValue<string>());
        Assert.Equal("charge-paid", push["template"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{ "userId": "u-1", "deviceToken": "tok-abc", "platform": "ios" }"""), push["recipient"]));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{ "userId": "u-1", "email": "ada@example.com" }"""), api.Requests[1].Json!["recipient"]));
    }

    [Fact]
    public async Task Key_that_cannot_be_a_header_travels_in_the_body_alone()
    {
        await using var api = await ScriptedApi.StartAsync();
        api.Reply(202, WireSamples.Notification());
        using var client = api.Client();

        await client.SubmitAsync(new NotificationRequest("pedido-ção-1", "charge.paid", Channel.Webhook));

        var request = api.Requests.Single();
        Assert.Null(request.Header("Idempotency-Key"));
        Assert.Equal("pedido-ção-1", request.Json!["idempotencyKey"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Request_without_an_idempotency_key_cannot_be_built(string key) =>
        Assert.ThrowsAny<ArgumentException>(() => new NotificationRequest(key, "charge.paid", Channel.Webhook));

    [Fact]
    public void Idempotency_key_longer_than_200_characters_is_refused()
    {
        _ = new NotificationRequest(new string('k', 200), "charge.paid", Channel.Webhook);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NotificationRequest(new string('k', 201), "charge.paid", Channel.Webhook));
    }
}
