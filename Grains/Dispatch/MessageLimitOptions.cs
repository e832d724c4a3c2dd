using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Templates;

namespace PaymentNotifications.Grains.Dispatch;

/// <summary>How large a message may be on its channel; bound from "Messages", checked at submit and again at send.</summary>
public sealed class MessageLimitOptions
{
    public const string SectionName = "Messages";

    /// <summary>
    /// Most segments one SMS may take (<c>Messages:SmsMaxSegments</c>, default 10: 1,530 GSM-7 or 670 UCS-2
    /// characters). Each segment is billed; a body past this is a 400 at submit and a permanent failure at send.
    /// </summary>
    public int SmsMaxSegments { get; set; } = 10;

    /// <summary>
    /// Largest push payload in bytes (<c>Messages:PushMaxPayloadBytes</c>, default 4096): FCM takes 4 KB of
    /// notification and data, APNs 4 KB of payload. Title, body and data together count, as UTF-8 JSON.
    /// </summary>
    public int PushMaxPayloadBytes { get; set; } = 4096;

    /// <summary>Why a message is over its channel's limit as it would go out (an SMS's segments, a push payload with its data), or null.</summary>
    public string? TooLarge(Channel channel, string? title, string? text, JsonElement? data) => channel switch
    {
        Channel.Sms => SmsTooLong(text),
        Channel.Push => PushTooLarge(title, text, data),
        _ => null,
    };

    /// <summary>Why a push message is over the limit, or null when it fits.</summary>
    public string? PushTooLarge(string? title, string? body, JsonElement? data)
    {
        var payload = new JsonObject
        {
            ["title"] = title,
            ["body"] = body,
            ["data"] = data is { } element ? JsonNode.Parse(element.GetRawText()) : null,
        };
        var bytes = Encoding.UTF8.GetByteCount(payload.ToJsonString());
        return bytes <= PushMaxPayloadBytes
            ? null
            : $"This push message is {bytes:N0} bytes with its data; providers take at most {PushMaxPayloadBytes:N0} (Messages:PushMaxPayloadBytes).";
    }

    /// <summary>Why an SMS text is over the limit, or null when it fits.</summary>
    public string? SmsTooLong(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        var measured = SmsSegments.Measure(text);
        return measured.Segments <= SmsMaxSegments
            ? null
            : $"This SMS takes {measured.Segments} segments ({measured.Characters} characters, {(measured.Encoding == SmsEncoding.Gsm7 ? "GSM-7" : "UCS-2")}); at most {SmsMaxSegments} are sent (Messages:SmsMaxSegments).";
    }
}
