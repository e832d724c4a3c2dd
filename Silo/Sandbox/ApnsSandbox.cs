using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PaymentNotifications.Silo.Sandbox;

/// <summary>
/// Stand-in for APNs (POST /3/device/{token}): the ES256 provider token is verified (403 InvalidProviderToken on a
/// bad signature, ExpiredProviderToken past an hour), the apns-* headers are checked, and answers are APNs'
/// {"reason"} bodies. Tokens containing "unregistered" answer 410, tokens containing "invalid" BadDeviceToken.
/// </summary>
internal sealed class ApnsSandbox(SandboxContext sandbox) : ProviderSandbox(sandbox)
{
    private const int MaxPayloadBytes = 4096;
    private static readonly TimeSpan ProviderTokenLifetime = TimeSpan.FromHours(1);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);
    private static readonly HashSet<string> PushTypes =
        ["alert", "background", "location", "voip", "complication", "fileprovider", "mdm", "liveactivity", "pushtotalk", "widgets"];
    private static readonly string[] RecordedHeaders =
        ["apns-topic", "apns-push-type", "apns-priority", "apns-id", "apns-collapse-id", "apns-expiration"];

    public override string Name => "apns";

    public override void Map(RouteGroupBuilder routes) => WithFaults(routes.MapPost("/3/device/{deviceToken}", SendAsync));

    protected override IResult FaultAnswer(SandboxFault fault, FaultSettings settings, HttpContext http)
    {
        switch (fault)
        {
            case SandboxFault.Throttle:
                return Reason(429, "TooManyRequests");
            case SandboxFault.Down:
                SandboxContext.SetRetryAfter(http, settings);
                return Reason(503, "ServiceUnavailable");
            default:
                return Reason(500, "InternalServerError");
        }
    }

    private async Task<IResult> SendAsync(HttpContext http, string deviceToken)
    {
        var tokenProblem = CheckProviderToken(SandboxContext.BearerToken(http));
        if (tokenProblem is not null)
        {
            return Reason(403, tokenProblem);
        }

        var headers = http.Request.Headers;
        var topic = headers["apns-topic"].ToString();
        var pushType = headers["apns-push-type"].ToString();
        var apnsId = headers["apns-id"].ToString();
        var priority = headers["apns-priority"].ToString();
        var collapseId = headers["apns-collapse-id"].ToString();
        if (topic.Length == 0) return Reason(400, "MissingTopic");
        if (topic != Sandbox.Credentials.ApnsBundleId) return Reason(400, "TopicDisallowed");
        if (pushType.Length > 0 && !PushTypes.Contains(pushType)) return Reason(400, "InvalidPushType");
        if (apnsId.Length > 0 && !Guid.TryParseExact(apnsId, "D", out _)) return Reason(400, "BadMessageId");
        if (priority.Length > 0 && priority is not ("1" or "5" or "10")) return Reason(400, "BadPriority");
        if (Encoding.UTF8.GetByteCount(collapseId) > 64) return Reason(400, "BadCollapseId");

        if (deviceToken.Contains("unregistered", StringComparison.OrdinalIgnoreCase))
        {
            return SandboxContext.Json(new JsonObject { ["reason"] = "Unregistered", ["timestamp"] = Sandbox.Time.GetUtcNow().ToUnixTimeMilliseconds() }, 410);
        }

        if (SandboxContext.IsMarkedInvalid(deviceToken)) return Reason(400, "BadDeviceToken");

        var payload = await SandboxContext.ReadBodyAsync(http);
        if (payload.Length == 0) return Reason(400, "PayloadEmpty");
        if (Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes) return Reason(413, "PayloadTooLarge");

        var id = apnsId.Length > 0 ? apnsId : Guid.NewGuid().ToString("D");
        var recorded = RecordedHeaders
            .Where(name => headers.ContainsKey(name))
            .ToDictionary(name => name, name => headers[name].ToString());
        var message = new SandboxMessage(
            Name, id, Sandbox.Time.GetUtcNow(), Protocol(http), $"{Sandbox.Credentials.ApnsTeamId}/{Sandbox.Credentials.ApnsKeyId}",
            deviceToken, new Dictionary<string, string>(), payload, recorded);
        await Sandbox.AcceptAsync(message, http);

        http.Response.Headers["apns-id"] = id;
        http.Response.Headers["apns-unique-id"] = Guid.NewGuid().ToString("D");
        return Results.StatusCode(StatusCodes.Status200OK);
    }

    /// <summary>Checks the ES256 provider token; null when it is good, else the APNs reason.</summary>
    private string? CheckProviderToken(string? jwt)
    {
        if (string.IsNullOrEmpty(jwt))
        {
            return "MissingProviderToken";
        }

        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return "InvalidProviderToken";
        }

        try
        {
            var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]));
            var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]));
            var signature = Base64Url.DecodeFromChars(parts[2]);
            var credentials = Sandbox.Credentials;
            if ((string?)header?["alg"] != "ES256"
                || (string?)header?["kid"] != credentials.ApnsKeyId
                || (string?)claims?["iss"] != credentials.ApnsTeamId
                || !credentials.ApnsSigningKey.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256))
            {
                return "InvalidProviderToken";
            }

            var issuedAt = DateTimeOffset.FromUnixTimeSeconds(claims?["iat"]?.GetValue<long>() ?? 0);
            var now = Sandbox.Time.GetUtcNow();
            if (issuedAt > now + ClockSkew)
            {
                return "InvalidProviderToken";
            }

            return now - issuedAt > ProviderTokenLifetime ? "ExpiredProviderToken" : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return "InvalidProviderToken";
        }
    }

    private static IResult Reason(int status, string reason) => SandboxContext.Json(new JsonObject { ["reason"] = reason }, status);
}
