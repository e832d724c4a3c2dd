using System.Text.Json;
using PaymentNotifications.Api.Validation;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Api.Validation;

public sealed class NotificationRequestRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly NotificationRequestFields Webhook = new()
    {
        IdempotencyKey = "charge-8812-paid",
        Type = "charge.paid",
        Channel = "webhook",
        Priority = "normal",
        Recipient = new RecipientFields(MerchantId: "m-42"),
        Data = JsonDocument.Parse("""{ "chargeId": "8812", "amount": 1500 }""").RootElement.Clone(),
    };

    private static readonly NotificationRequestFields Sms = new()
    {
        IdempotencyKey = "otp-1",
        Type = "otp",
        Channel = "sms",
        Priority = "critical",
        Recipient = new RecipientFields(UserId: "u-1", Phone: "+5511912345678"),
        Content = new ContentFields(Text: "Your code is 123456"),
    };

    [Fact]
    public void The_api_example_is_valid()
    {
        Assert.Empty(NotificationRequestRules.Validate(Webhook, Now));
        Assert.Empty(NotificationRequestRules.Validate(Sms, Now));
    }

    [Fact]
    public void Every_problem_is_reported_under_its_path()
    {
        var request = Sms with
        {
            IdempotencyKey = "",
            Type = "OTP",
            Priority = "urgent",
            Recipient = new RecipientFields(UserId: "u-1", Phone: "11912345678"),
            SendAt = Now.AddDays(31),
            Data = JsonDocument.Parse("[1]").RootElement.Clone(),
        };

        var errors = NotificationRequestRules.Validate(request, Now);

        Assert.Equal(
            new[] { "data", "idempotencyKey", "priority", "recipient.phone", "sendAt", "type" },
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("normal, critical", errors["priority"][0]);
    }

    [Theory]
    [InlineData(null, "Required.")]
    [InlineData("fax", "One of: webhook, sms, email, push.")]
    [InlineData("SMS", "One of: webhook, sms, email, push.")]
    public void Channel_is_required_and_known(string? channel, string message)
    {
        var errors = NotificationRequestRules.Validate(Sms with { Channel = channel }, Now);
        Assert.Equal(new[] { message }, errors["channel"]);
    }

    [Fact]
    public void Recipient_is_required()
    {
        Assert.Contains("recipient", NotificationRequestRules.Validate(Webhook with { Recipient = null }, Now).Keys);
    }

    [Theory]
    [InlineData("webhook", "recipient.merchantId")]
    [InlineData("sms", "recipient.phone")]
    [InlineData("email", "recipient.email")]
    [InlineData("push", "recipient.deviceToken")]
    [InlineData("push", "recipient.platform")]
    public void Each_channel_requires_its_address(string channel, string path)
    {
        var request = new NotificationRequestFields
        {
            IdempotencyKey = "k",
            Type = "t",
            Channel = channel,
            Recipient = new RecipientFields(UserId: "u-1"),
            Content = channel == "webhook" ? null : new ContentFields("s", "t"),
        };
        Assert.Contains(path, NotificationRequestRules.Validate(request, Now).Keys);
    }

    [Fact]
    public void Push_platform_is_android_or_ios()
    {
        var request = new NotificationRequestFields
        {
            IdempotencyKey = "k",
            Type = "t",
            Channel = "push",
            Recipient = new RecipientFields(DeviceToken: "tok", Platform: "windows"),
            Content = new ContentFields("title", "body"),
        };
        Assert.Equal(new[] { "One of: android, ios." }, NotificationRequestRules.Validate(request, Now)["recipient.platform"]);
        Assert.Empty(NotificationRequestRules.Validate(request with { Recipient = request.Recipient! with { Platform = "ios" } }, Now));
    }

    [Fact]
    public void Email_address_and_content_are_checked()
    {
        var request = new NotificationRequestFields
        {
            IdempotencyKey = "k",
            Type = "receipt",
            Channel = "email",
            Recipient = new RecipientFields(Email: "not-an-address"),
            Content = new ContentFields(),
        };
        var errors = NotificationRequestRules.Validate(request, Now);
        Assert.Equal(new[] { "content.subject", "content.text", "recipient.email" }, errors.Keys.Order(StringComparer.Ordinal));

        var fixedRequest = request with { Recipient = new RecipientFields(Email: "ana@example.com"), Content = new ContentFields("Receipt", Html: "<p>ok</p>") };
        Assert.Empty(NotificationRequestRules.Validate(fixedRequest, Now));
    }

    [Fact]
    public void Non_webhook_channels_need_a_template_or_content_but_not_both()
    {
        Assert.Contains("content", NotificationRequestRules.Validate(Sms with { Content = null }, Now).Keys);
        Assert.Empty(NotificationRequestRules.Validate(Sms with { Content = null, Template = "otp.default" }, Now));
        Assert.Contains("template", NotificationRequestRules.Validate(Sms with { Template = "otp.default" }, Now).Keys);
        Assert.Contains("template", NotificationRequestRules.Validate(Sms with { Content = null, Template = "Bad Name" }, Now).Keys);
        Assert.Contains("content.text", NotificationRequestRules.Validate(Sms with { Content = new ContentFields(Subject: "x") }, Now).Keys);
    }

    [Fact]
    public void Webhooks_take_neither_template_nor_content()
    {
        var errors = NotificationRequestRules.Validate(Webhook with { Template = "x", Content = new ContentFields(Text: "y") }, Now);
        Assert.Equal(new[] { "content", "template" }, errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Priority_may_be_omitted()
    {
        Assert.Empty(NotificationRequestRules.Validate(Webhook with { Priority = null }, Now));
    }
}
