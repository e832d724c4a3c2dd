using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PaymentNotifications.Grains.Channels;

namespace PaymentNotifications.Silo.Sandbox;

/// <summary>
/// Stand-in for SendGrid v3 mail send: bearer API key, the request validated field by field with SendGrid's
/// error shape, 202 with X-Message-Id. Undelivered faults arrive as signed Event Webhook bounce events.
/// </summary>
internal sealed partial class SendGridSandbox(SandboxContext sandbox) : ProviderSandbox(sandbox)
{
    public override string Name => "sendgrid";

    public override void Map(RouteGroupBuilder routes) => WithFaults(routes.MapPost("/v3/mail/send", (Func<HttpContext, Task<IResult>>)SendAsync));

    protected override IResult FaultAnswer(SandboxFault fault, FaultSettings settings, HttpContext http)
    {
        switch (fault)
        {
            case SandboxFault.Throttle:
                // SendGrid announces when its limit resets instead of sending Retry-After.
                var reset = Sandbox.Time.GetUtcNow().AddSeconds(settings.RetryAfterSeconds).ToUnixTimeSeconds();
                http.Response.Headers["X-RateLimit-Limit"] = "600";
                http.Response.Headers["X-RateLimit-Remaining"] = "0";
                http.Response.Headers["X-RateLimit-Reset"] = reset.ToString();
                return Errors(429, (null, "too many requests"));
            case SandboxFault.Down:
                SandboxContext.SetRetryAfter(http, settings);
                return Errors(503, (null, "Service Unavailable"));
            default:
                return Errors(500, (null, "Internal Server Error"));
        }
    }

    private async Task<IResult> SendAsync(HttpContext http)
    {
        var key = SandboxContext.BearerToken(http);
        if (key is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(Sandbox.Credentials.SendGridApiKey)))
        {
            return Errors(401, (null, "The provided authorization grant is invalid, expired, or revoked"));
        }

        var raw = await SandboxContext.ReadBodyAsync(http);
        JsonObject? mail;
        try
        {
            mail = JsonNode.Parse(raw) as JsonObject;
        }
        catch (JsonException)
        {
            mail = null;
        }

        if (mail is null)
        {
            return Errors(400, (null, "Bad Request"));
        }

        var problems = Validate(mail);
        if (problems.Count > 0)
        {
            return Errors(400, [.. problems]);
        }

        var recipient = Text(mail["personalizations"]![0]!["to"]![0]!["email"])!;
        var messageId = Base64Url(16);
        var message = new SandboxMessage(
            Name, messageId, Sandbox.Time.GetUtcNow(), Protocol(http), Sandbox.Credentials.SendGridApiKeyId, recipient,
            new Dictionary<string, string>(), raw, new Dictionary<string, string>());
        var undelivered = await Sandbox.AcceptAsync(message, http);
        if (undelivered && Sandbox.SendGridEventWebhookUrl is { } webhook)
        {
            SendBounce(http, webhook, messageId, recipient, mail["custom_args"] as JsonObject);
        }

        http.Response.Headers["X-Message-Id"] = messageId;
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static List<(string? Field, string Message)> Validate(JsonObject mail)
    {
        var problems = new List<(string?, string)>();
        if (mail["personalizations"] is not JsonArray { Count: > 0 } personalizations)
        {
            problems.Add(("personalizations", "The personalizations field is required and must have at least one personalization."));
        }
        else
        {
            for (var p = 0; p < personalizations.Count; p++)
            {
                if (personalizations[p]?["to"] is not JsonArray { Count: > 0 } to)
                {
                    problems.Add(($"personalizations.{p}.to", "The to array is required for all personalization objects, and must have at least one email object with a valid email address."));
                    continue;
                }

                for (var t = 0; t < to.Count; t++)
                {
                    if (!IsEmail(to[t]?["email"]))
                    {
                        problems.Add(($"personalizations.{p}.to.{t}.email", "Does not contain a valid address."));
                    }
                }
            }
        }

        if (!IsEmail(mail["from"]?["email"]))
        {
            problems.Add(("from.email", "The from email does not contain a valid address."));
        }

        if (string.IsNullOrEmpty(Text(mail["subject"])))
        {
            problems.Add(("subject", "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined."));
        }

        if (mail["content"] is not JsonArray { Count: > 0 } content)
        {
            problems.Add(("content", "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block."));
        }
        else
        {
            for (var c = 0; c < content.Count; c++)
            {
                if (string.IsNullOrEmpty(Text(content[c]?["value"])))
                {
                    problems.Add(($"content.{c}.value", "The content value must be a string at least one character in length."));
                }

                if (c > 0 && Text(content[c]?["type"]) == "text/plain")
                {
                    problems.Add(($"content.{c}.type", "The text/plain content type must be first."));
                }
            }
        }

        if (mail["custom_args"] is JsonObject customArgs && customArgs.Any(a => a.Value?.GetValueKind() != JsonValueKind.String))
        {
            problems.Add(("custom_args", "Invalid type. Expected: string, given: other."));
        }

        return problems;
    }

    private void SendBounce(HttpContext http, string webhookUrl, string messageId, string email, JsonObject? customArgs)
    {
        var timestamp = Sandbox.Time.GetUtcNow().ToUnixTimeSeconds();
        var bounce = new JsonObject
        {
            ["email"] = email,
            ["timestamp"] = timestamp,
            ["smtp-id"] = $"<{messageId}@sandbox.sendgrid.net>",
            ["event"] = "bounce",
            ["type"] = "bounce",
            ["bounce_classification"] = "Invalid Address",
            ["reason"] = "550 5.1.1 The email account that you tried to reach does not exist.",
            ["status"] = "5.1.1",
            ["sg_event_id"] = Base64Url(16),
            // Real sg_message_id values start with the X-Message-Id of the send.
            ["sg_message_id"] = $"{messageId}.sandbox.0",
        };
        foreach (var (name, value) in customArgs ?? [])
        {
            bounce[name] = value?.DeepClone();
        }

        var payload = Encoding.UTF8.GetBytes(new JsonArray(bounce).ToJsonString());
        var signedAt = timestamp.ToString();
        var signature = SendGridEventSignature.Sign(Sandbox.Credentials.SendGridEventKey, signedAt, payload);
        Sandbox.SendAfterAnswer(http, "sendgrid event webhook", (client, ct) =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, webhookUrl) { Content = new ByteArrayContent(payload) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add(SendGridEventSignature.SignatureHeader, signature);
            request.Headers.Add(SendGridEventSignature.TimestampHeader, signedAt);
            return client.SendAsync(request, ct);
        });
    }

    private static bool IsEmail(JsonNode? node) =>
        Text(node) is { } email && Email().IsMatch(email) && !SandboxContext.IsMarkedInvalid(email);

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static IResult Errors(int status, params (string? Field, string Message)[] errors)
    {
        var list = new JsonArray();
        foreach (var (field, message) in errors)
        {
            list.Add(new JsonObject { ["message"] = message, ["field"] = field, ["help"] = null });
        }

        return SandboxContext.Json(new JsonObject { ["errors"] = list }, status);
    }

    private static string Base64Url(int bytes) => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex Email();
}
