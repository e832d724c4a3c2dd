using System.Text.Json;
using System.Text.RegularExpressions;
using Notifications.Orleans.Grains.Interfaces.Contracts;

namespace Notifications.Orleans.Api;

/// <summary>Field-level validation of a submitted notification; an empty map means valid.</summary>
public static partial class NotificationRequestValidator
{
    public static Dictionary<string, string[]> Validate(NotificationRequest request, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [message];

        if (string.IsNullOrEmpty(request.IdempotencyKey))
        {
            Error("idempotencyKey", "Required (in the body or the Idempotency-Key header).");
        }
        else if (request.IdempotencyKey.Length > 200 || request.IdempotencyKey.Any(c => c < 0x20 || c > 0x7E))
        {
            Error("idempotencyKey", "Must be 1 to 200 printable ASCII characters.");
        }
        if (string.IsNullOrEmpty(request.Type))
        {
            Error("type", "Required, e.g. charge.paid.");
        }
        else if (!TypePattern().IsMatch(request.Type))
        {
            Error("type", "Must be 1 to 100 characters of a-z, 0-9, '.', '_' or '-'.");
        }
        if (request.Channel is null)
        {
            Error("channel", "Required: webhook, sms, email or push.");
        }

        var recipient = request.Recipient ?? new Recipient();
        if (recipient.UserId is { } userId && (userId.Length is 0 or > 200))
        {
            Error("recipient.userId", "Must be 1 to 200 characters.");
        }
        switch (request.Channel)
        {
            case Channel.Webhook when string.IsNullOrEmpty(recipient.MerchantId):
                Error("recipient.merchantId", "Required for the webhook channel.");
                break;
            case Channel.Webhook when !IdPattern().IsMatch(recipient.MerchantId!):
                Error("recipient.merchantId", "Must be 1 to 100 characters of letters, digits, '.', '_' or '-'.");
                break;
            case Channel.Sms when recipient.Phone is null || !E164Pattern().IsMatch(recipient.Phone):
                Error("recipient.phone", "Required for sms, in E.164 form: + and 8 to 15 digits, e.g. +2348012345678.");
                break;
            case Channel.Email when recipient.Email is null || !IsEmail(recipient.Email):
                Error("recipient.email", "Required for email: a single address such as ana@example.com.");
                break;
            case Channel.Push when string.IsNullOrEmpty(recipient.DeviceToken) || recipient.DeviceToken.Length > 4096:
                Error("recipient.deviceToken", "Required for push (up to 4096 characters).");
                break;
            case Channel.Push when recipient.Platform is null:
                Error("recipient.platform", "Required for push: android or ios.");
                break;
        }
        if (request.Channel is Channel.Sms or Channel.Email or Channel.Push && request.Template is null && request.Content is null)
        {
            Error("content", "Give either template (a stored template name) or content for sms, email and push.");
        }
        if (request.Template is not null && request.Content is not null)
        {
            Error("template", "Give template or content, not both.");
        }
        if (request.SendAt is { } sendAt && (sendAt < now - TimeSpan.FromMinutes(5) || sendAt > now + TimeSpan.FromDays(30)))
        {
            Error("sendAt", "Must lie between 5 minutes ago and 30 days ahead.");
        }
        if (request.Data is { } data)
        {
            if (data.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                Error("data", "Must be a JSON object.");
            }
            else if (Depth(data) > 10)
            {
                Error("data", "Nests deeper than 10 levels.");
            }
            else if (data.GetRawText().Length > 64 * 1024)
            {
                Error("data", "Is larger than 64 KiB.");
            }
        }
        return errors;
    }

    private static bool IsEmail(string text) =>
        text.Length <= 254 && System.Net.Mail.MailAddress.TryCreate(text, out var address) && address.Address == text && text.Contains('.', StringComparison.Ordinal);

    private static int Depth(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => 1 + element.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + element.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    [GeneratedRegex("^[a-z0-9._-]{1,100}$")]
    private static partial Regex TypePattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\+[1-9][0-9]{7,14}$")]
    private static partial Regex E164Pattern();
}
