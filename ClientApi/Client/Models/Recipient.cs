namespace PaymentNotifications.Client.Models;

/// <summary>Who a notification goes to; which fields apply depends on the channel.</summary>
public sealed record Recipient
{
    /// <summary>The merchant whose webhook endpoint receives a webhook.</summary>
    public string? MerchantId { get; init; }

    /// <summary>The user whose preferences and limits apply.</summary>
    public string? UserId { get; init; }

    /// <summary>An E.164 phone number, for sms.</summary>
    public string? Phone { get; init; }

    /// <summary>An e-mail address, for email.</summary>
    public string? Email { get; init; }

    /// <summary>A push device token, for push.</summary>
    public string? DeviceToken { get; init; }

    /// <summary>The platform of <see cref="DeviceToken"/>.</summary>
    public PushPlatform? Platform { get; init; }

    /// <summary>A merchant, for the webhook channel.</summary>
    public static Recipient ForMerchant(string merchantId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(merchantId);
        return new Recipient { MerchantId = merchantId };
    }

    /// <summary>A user's phone, for the sms channel.</summary>
    public static Recipient ForSms(string? userId, string phone)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(phone);
        return new Recipient { UserId = userId, Phone = phone };
    }

    /// <summary>A user's e-mail address, for the email channel.</summary>
    public static Recipient ForEmail(string? userId, string email)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return new Recipient { UserId = userId, Email = email };
    }

    /// <summary>A user's device, for the push channel.</summary>
    public static Recipient ForPush(string? userId, string deviceToken, PushPlatform platform)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceToken);
        return new Recipient { UserId = userId, DeviceToken = deviceToken, Platform = platform };
    }
}
