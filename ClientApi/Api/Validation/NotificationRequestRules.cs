using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Api.Validation;

/// <summary>The fields of <c>POST /v1/notifications</c> as received, before they are trusted; enums stay strings so bad values become field errors.</summary>
public sealed record NotificationRequestFields
{
    /// <summary>From the body, or the <c>Idempotency-Key</c> header when the body has none.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Notification type, e.g. "charge.paid".</summary>
    public string? Type { get; init; }

    /// <summary>"webhook", "sms", "email" or "push".</summary>
    public string? Channel { get; init; }

    /// <summary>"normal" (default) or "critical".</summary>
    public string? Priority { get; init; }

    /// <summary>Who receives it.</summary>
    public RecipientFields? Recipient { get; init; }

    /// <summary>The notification's data; a JSON object.</summary>
    public JsonElement? Data { get; init; }

    /// <summary>Name of a stored template to render with <see cref="Data"/>.</summary>
    public string? Template { get; init; }

    /// <summary>Inline content instead of a template.</summary>
    public ContentFields? Content { get; init; }

    /// <summary>When to send; null for now.</summary>
    public DateTimeOffset? SendAt { get; init; }
}

/// <summary>The <c>recipient</c> of a notification request.</summary>
public sealed record RecipientFields(
    string? MerchantId = null,
    string? UserId = null,
    string? Phone = null,
    string? Email = null,
    string? DeviceToken = null,
    string? Platform = null,
    string? Locale = null);

/// <summary>Inline <c>content</c> of a notification request; for push, subject is the title and text the body.</summary>
public sealed record ContentFields(string? Subject = null, string? Text = null, string? Html = null);

/// <summary>Validates a whole notification request, field by field.</summary>
/// <remarks>
/// Per channel: webhook needs <c>recipient.merchantId</c> and takes neither template nor content (the data is sent
/// as is); sms needs <c>recipient.phone</c>, email <c>recipient.email</c>, push <c>recipient.deviceToken</c> and
/// <c>recipient.platform</c>, and each of these needs a template or content (not both): sms content needs
/// <c>text</c>, email content <c>subject</c> and <c>text</c> or <c>html</c>, push content <c>text</c>.
/// <c>recipient.userId</c> and <c>recipient.locale</c> (for templates) are optional everywhere, and so are the
/// addresses of other channels (used by a fallback channel), checked when given.
/// </remarks>
public static class NotificationRequestRules
{
    private static readonly string[] Channels = ["webhook", "sms", "email", "push"];
    private static readonly string[] Priorities = ["normal", "critical"];
    private static readonly string[] Platforms = ["android", "ios"];

    /// <summary>Every problem with <paramref name="request"/>, keyed by camelCase path; empty when valid.</summary>
    public static Dictionary<string, string[]> Validate(NotificationRequestFields request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new ValidationErrors()
            .Check("idempotencyKey", FieldRules.IdempotencyKey(request.IdempotencyKey))
            .Check("type", FieldRules.NotificationType(request.Type))
            .Check("priority", request.Priority is null ? null : OneOf(request.Priority, Priorities))
            .Check("data", FieldRules.Data(request.Data))
            .Check("sendAt", FieldRules.SendAt(request.SendAt, now));

        var channel = request.Channel;
        if (string.IsNullOrEmpty(channel))
        {
            errors.Add("channel", "Required.");
            return errors.ToDictionary();
        }

        if (OneOf(channel, Channels) is { } channelError)
        {
            errors.Add("channel", channelError);
            return errors.ToDictionary();
        }

        CheckRecipient(errors, channel, request.Recipient);
        CheckContent(errors, channel, request);
        return errors.ToDictionary();
    }

    private static void CheckRecipient(ValidationErrors errors, string channel, RecipientFields? recipient)
    {
        if (recipient is null)
        {
            errors.Add("recipient", "Required.");
            return;
        }

        if (recipient.UserId is not null)
        {
            errors.Check("recipient.userId", FieldRules.UserId(recipient.UserId));
        }

        if (recipient.Locale is not null)
        {
            errors.Check("recipient.locale", FieldRules.Locale(recipient.Locale));
        }

        // The channel's own address is required; addresses for other channels (a fallback channel may use them) are checked when given.
        if (channel == "webhook")
        {
            errors.Check("recipient.merchantId", FieldRules.MerchantId(recipient.MerchantId));
        }
        if (channel == "sms" || recipient.Phone is not null)
        {
            errors.Check("recipient.phone", FieldRules.PhoneNumber(recipient.Phone));
        }
        if (channel == "email" || recipient.Email is not null)
        {
            errors.Check("recipient.email", FieldRules.EmailAddress(recipient.Email));
        }
        if (channel == "push" || recipient.DeviceToken is not null)
        {
            errors.Check("recipient.deviceToken", FieldRules.DeviceToken(recipient.DeviceToken));
            errors.Check("recipient.platform", recipient.Platform is null ? "Required." : OneOf(recipient.Platform, Platforms));
        }
    }

    private static void CheckContent(ValidationErrors errors, string channel, NotificationRequestFields request)
    {
        var content = request.Content;
        if (channel == "webhook")
        {
            if (request.Template is not null)
            {
                errors.Add("template", "Webhooks send the data as is; no template.");
            }

            if (content is not null)
            {
                errors.Add("content", "Webhooks send the data as is; no content.");
            }

            return;
        }

        if (request.Template is not null && content is not null)
        {
            errors.Add("template", "Give a template or content, not both.");
            return;
        }

        if (request.Template is not null)
        {
            errors.Check("template", FieldRules.NotificationType(request.Template) is null ? null : "A template name: 1 to 100 characters of a-z, 0-9, '.', '_' and '-'.");
            return;
        }

        if (content is null)
        {
            errors.Add("content", $"A {channel} notification needs a template or content.");
            return;
        }

        errors.Check("content.subject", FieldRules.HeaderLine(content.Subject, FieldRules.MaxSubjectLength))
            .Check("content.text", FieldRules.Text(content.Text, FieldRules.MaxTextLength))
            .Check("content.html", FieldRules.Text(content.Html, FieldRules.MaxHtmlLength));
        static bool Blank(string? s) => string.IsNullOrWhiteSpace(s);
        switch (channel)
        {
            case "sms" when Blank(content.Text):
                errors.Add("content.text", "Required for sms.");
                break;
            case "email":
                if (Blank(content.Subject))
                {
                    errors.Add("content.subject", "Required for email.");
                }

                if (Blank(content.Text) && Blank(content.Html))
                {
                    errors.Add("content.text", "An email needs text or html.");
                }

                break;
            case "push" when Blank(content.Text):
                errors.Add("content.text", "Required for push.");
                break;
        }
    }

    /// <summary>The typed request of a request that <see cref="Validate"/> found valid; priority defaults to normal.</summary>
    /// <exception cref="ArgumentException">A value <see cref="Validate"/> would have refused.</exception>
    public static NotificationRequest ToRequest(NotificationRequestFields valid)
    {
        ArgumentNullException.ThrowIfNull(valid);
        var recipient = valid.Recipient;
        return new NotificationRequest
        {
            IdempotencyKey = valid.IdempotencyKey,
            Type = valid.Type,
            Channel = valid.Channel switch
            {
                "webhook" => Channel.Webhook,
                "sms" => Channel.Sms,
                "email" => Channel.Email,
                "push" => Channel.Push,
                _ => throw new ArgumentException("Unknown channel.", nameof(valid)),
            },
            Priority = valid.Priority switch
            {
                null or "normal" => Priority.Normal,
                "critical" => Priority.Critical,
                _ => throw new ArgumentException("Unknown priority.", nameof(valid)),
            },
            Recipient = recipient is null
                ? null
                : new Recipient
                {
                    MerchantId = recipient.MerchantId,
                    UserId = recipient.UserId,
                    Phone = recipient.Phone,
                    Email = recipient.Email,
                    DeviceToken = recipient.DeviceToken,
                    Platform = recipient.Platform switch
                    {
                        null => null,
                        "android" => PushPlatform.Android,
                        "ios" => PushPlatform.Ios,
                        _ => throw new ArgumentException("Unknown platform.", nameof(valid)),
                    },
                    Locale = recipient.Locale,
                },
            Data = valid.Data,
            Template = valid.Template,
            Content = valid.Content is { } content ? new MessageContent { Subject = content.Subject, Text = content.Text, Html = content.Html } : null,
            SendAt = valid.SendAt,
        };
    }

    private static string? OneOf(string value, string[] allowed) =>
        allowed.Contains(value, StringComparer.Ordinal) ? null : $"One of: {string.Join(", ", allowed)}.";
}
