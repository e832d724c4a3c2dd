using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PaymentNotifications.Silo.Sandbox;

/// <summary>
/// Stand-in for the Vonage SMS API (POST /sms/json, form or JSON). Like the real API it answers HTTP 200 with a
/// per-message status: 2 missing parameter, 3 invalid parameter, 4 bad credentials, 1 throttled.
/// </summary>
internal sealed partial class VonageSandbox(SandboxContext sandbox) : ProviderSandbox(sandbox)
{
    public override string Name => "vonage";

    public override void Map(RouteGroupBuilder routes) => WithFaults(routes.MapPost("/sms/json", (Func<HttpContext, Task<IResult>>)SendAsync));

    protected override IResult FaultAnswer(SandboxFault fault, FaultSettings settings, HttpContext http) => fault switch
    {
        // Vonage reports throttling in the message status, not with a 429.
        SandboxFault.Throttle => Refused("1", "Throttled"),
        SandboxFault.Down => Down(http, settings),
        _ => SandboxContext.Json(new JsonObject { ["type"] = "INTERNAL_ERROR", ["title"] = "Internal Server Error" }, 500),
    };

    private static IResult Down(HttpContext http, FaultSettings settings)
    {
        SandboxContext.SetRetryAfter(http, settings);
        return SandboxContext.Json(new JsonObject { ["type"] = "SERVICE_UNAVAILABLE", ["title"] = "Service Unavailable" }, 503);
    }

    private async Task<IResult> SendAsync(HttpContext http)
    {
        var fields = await ReadFieldsAsync(http);
        var apiKey = fields.GetValueOrDefault("api_key");
        var apiSecret = fields.GetValueOrDefault("api_secret");
        if (string.IsNullOrEmpty(apiKey)) return Refused("2", "Missing api_key");
        if (string.IsNullOrEmpty(apiSecret)) return Refused("2", "Missing api_secret");
        if (apiKey != Sandbox.Credentials.VonageApiKey || apiSecret != Sandbox.Credentials.VonageApiSecret) return Refused("4", "Bad Credentials");

        var from = fields.GetValueOrDefault("from");
        var to = fields.GetValueOrDefault("to");
        var text = fields.GetValueOrDefault("text");
        if (string.IsNullOrEmpty(from)) return Refused("2", "Missing from param");
        if (string.IsNullOrEmpty(to)) return Refused("2", "Missing to param");
        if (string.IsNullOrEmpty(text)) return Refused("2", "Missing text param");
        if (!Msisdn().IsMatch(to) || SandboxContext.IsMarkedInvalid(to)) return Refused("3", "Invalid to address");
        var clientRef = fields.GetValueOrDefault("client-ref");
        if (clientRef is { Length: > 100 }) return Refused("3", "Invalid client-ref: longer than 100 characters");

        var unicode = fields.GetValueOrDefault("type") == "unicode";
        var parts = Parts(text.Length, unicode);
        var ids = Enumerable.Range(0, parts).Select(_ => Convert.ToHexString(RandomNumberGenerator.GetBytes(8))).ToList();

        fields.Remove("api_secret");
        var message = new SandboxMessage(
            Name, ids[0], Sandbox.Time.GetUtcNow(), Protocol(http), apiKey, to,
            fields, Json: null, Headers: new Dictionary<string, string>());
        await Sandbox.AcceptAsync(message, http);

        var messages = new JsonArray();
        foreach (var id in ids)
        {
            var part = new JsonObject
            {
                ["to"] = to,
                ["message-id"] = id,
                ["status"] = "0",
                ["remaining-balance"] = "10.00000000",
                ["message-price"] = "0.03330000",
                ["network"] = "23410",
            };
            if (clientRef is not null)
            {
                part["client-ref"] = clientRef;
            }

            messages.Add(part);
        }

        return SandboxContext.Json(new JsonObject { ["message-count"] = parts.ToString(), ["messages"] = messages });
    }

    private static async Task<Dictionary<string, string>> ReadFieldsAsync(HttpContext http)
    {
        if (http.Request.HasJsonContentType())
        {
            JsonObject body;
            try
            {
                body = JsonNode.Parse(await SandboxContext.ReadBodyAsync(http)) as JsonObject ?? [];
            }
            catch (System.Text.Json.JsonException)
            {
                body = [];
            }

            return body.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.ToString(), StringComparer.Ordinal);
        }

        return await SandboxContext.ReadFormAsync(http);
    }

    // Single SMS hold 160 GSM-7 or 70 UCS-2 characters; concatenated parts lose 7 or 3 to the header.
    private static int Parts(int length, bool unicode)
    {
        var (single, part) = unicode ? (70, 67) : (160, 153);
        return length <= single ? 1 : (length + part - 1) / part;
    }

    private static IResult Refused(string status, string errorText) => SandboxContext.Json(new JsonObject
    {
        ["message-count"] = "1",
        ["messages"] = new JsonArray(new JsonObject { ["status"] = status, ["error-text"] = errorText }),
    });

    [GeneratedRegex(@"^\+?[1-9][0-9]{6,14}$")]
    private static partial Regex Msisdn();
}
