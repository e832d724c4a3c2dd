using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Tests.Grains.Channels;

/// <summary>Outbound messages as the delivery code hands them to adapters.</summary>
internal static class TestMessages
{
    public static string NewId() => "ntf_" + Guid.NewGuid().ToString("N")[..16];

    public static OutboundMessage Sms(string phone, string? text = null) => new(
        NewId(), "tenant-1", Channel.Sms, "otp",
        new MessageRecipient(Phone: phone),
        new RenderedContent(Text: text ?? "Your payment code is 123456"),
        Data: null);

    public static OutboundMessage Email(string email) => new(
        NewId(), "tenant-1", Channel.Email, "charge.paid",
        new MessageRecipient(Email: email),
        new RenderedContent(Subject: "Payment received", Text: "You received 10.00 EUR.", Html: "<p>You received <b>10.00 EUR</b>.</p>"),
        Data: null);

    public static OutboundMessage Push(string token, PushPlatform platform) => new(
        NewId(), "tenant-1", Channel.Push, "charge.paid",
        new MessageRecipient(DeviceToken: token, Platform: platform),
        new RenderedContent(Title: "Payment received", Body: "You received 10.00 EUR."),
        new Dictionary<string, string> { ["paymentId"] = "pay_123" });
}
