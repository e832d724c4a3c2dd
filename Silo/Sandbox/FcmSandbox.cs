using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PaymentNotifications.Silo.Sandbox;

/// <summary>
/// Stand-in for FCM HTTP v1 and for Google's OAuth2 token endpoint: the service account's signed JWT grant
/// (RS256) is exchanged at /token for an access token, which messages:send requires. Tokens containing
/// "unregistered" answer UNREGISTERED, tokens containing "invalid" INVALID_ARGUMENT.
/// </summary>
internal sealed class FcmSandbox(SandboxContext sandbox) : ProviderSandbox(sandbox)
{
    private const string Scope = "https://www.googleapis.com/auth/firebase.messaging";
    private const string GoogleTokenAudience = "https://oauth2.googleapis.com/token";
    private const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public override string Name => "fcm";

    public override void Map(RouteGroupBuilder routes)
    {
        // The token endpoint is Google's OAuth service, not FCM: FCM faults do not apply to it.
        routes.MapPost("/token", (Func<HttpContext, Task<IResult>>)GrantAsync);
        WithFaults(routes.MapPost("/v1/projects/{projectId}/messages:send", SendAsync));
    }

    protected override IResult FaultAnswer(SandboxFault fault, FaultSettings settings, HttpContext http)
    {
        switch (fault)
        {
            case SandboxFault.Throttle:
                SandboxContext.SetRetryAfter(http, settings);
                return Error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Send requests'.", FcmError("QUOTA_EXCEEDED"));
            case SandboxFault.Down:
                SandboxContext.SetRetryAfter(http, settings);
                return Error(503, "UNAVAILABLE", "The service is currently unavailable.", FcmError("UNAVAILABLE"));
            default:
                return Error(500, "INTERNAL", "Internal error encountered.", FcmError("INTERNAL"));
        }
    }

    private async Task<IResult> GrantAsync(HttpContext http)
    {
        var form = await SandboxContext.ReadFormAsync(http);
        var grantType = form.GetValueOrDefault("grant_type");
        if (grantType != JwtBearerGrant)
        {
            return GrantError("unsupported_grant_type", $"Invalid grant_type: {grantType}");
        }

        var tokenUrl = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{http.Request.Path}";
        string? problem;
        try
        {
            problem = CheckAssertion(form.GetValueOrDefault("assertion"), tokenUrl);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            problem = "Invalid JWT: malformed.";
        }

        if (problem is not null)
        {
            return GrantError("invalid_grant", problem);
        }

        Sandbox.Recorder.CountTokenGrant(Name);
        return SandboxContext.Json(new JsonObject
        {
            ["access_token"] = Sandbox.IssueAccessToken(),
            ["expires_in"] = (int)Sandbox.Options.AccessTokenLifetime.TotalSeconds - 1,
            ["token_type"] = "Bearer",
        });
    }

    /// <summary>Checks a service account's JWT grant the way Google does; null when it is good.</summary>
    private string? CheckAssertion(string? assertion, string tokenUrl)
    {
        var parts = assertion?.Split('.');
        if (parts is not { Length: 3 })
        {
            return "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.";
        }

        var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]));
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]));
        if ((string?)header?["alg"] != "RS256")
        {
            return "Invalid JWT: unsupported algorithm.";
        }

        var signature = Base64Url.DecodeFromChars(parts[2]);
        if (!Sandbox.Credentials.FcmServiceAccountKey.VerifyData(
                Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return "Invalid JWT Signature.";
        }

        if ((string?)claims?["iss"] != Sandbox.Credentials.FcmClientEmail)
        {
            return "Invalid JWT: unknown issuer.";
        }

        // Google.Apis.Auth names Google's token endpoint as audience whatever token_uri says; Google accepts both.
        var audience = (string?)claims?["aud"];
        if (audience != tokenUrl && audience != GoogleTokenAudience)
        {
            return "Invalid JWT: audience is not the token endpoint.";
        }

        var scopes = ((string?)claims?["scope"] ?? "").Split(' ');
        if (!scopes.Contains(Scope))
        {
            return "Invalid JWT: the scope does not allow sending FCM messages.";
        }

        var now = Sandbox.Time.GetUtcNow();
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(claims?["iat"]?.GetValue<long>() ?? 0);
        var expires = DateTimeOffset.FromUnixTimeSeconds(claims?["exp"]?.GetValue<long>() ?? 0);
        if (issuedAt > now + ClockSkew || expires < now - ClockSkew || expires - issuedAt > TimeSpan.FromHours(1))
        {
            return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.";
        }

        return null;
    }

    private async Task<IResult> SendAsync(HttpContext http, string projectId)
    {
        if (!Sandbox.IsAccessTokenValid(SandboxContext.BearerToken(http)))
        {
            return Error(401, "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
        }

        if (projectId != Sandbox.Credentials.FcmProjectId)
        {
            return Error(403, "PERMISSION_DENIED",
                $"Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/{projectId}' (or it may not exist).");
        }

        var raw = await SandboxContext.ReadBodyAsync(http);
        JsonObject? message;
        try
        {
            message = (JsonNode.Parse(raw) as JsonObject)?["message"] as JsonObject;
        }
        catch (JsonException)
        {
            message = null;
        }

        if (message is null)
        {
            return Error(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Expected a message object.");
        }

        var targets = new[] { "token", "topic", "condition" }.Where(message.ContainsKey).ToList();
        if (targets.Count != 1)
        {
            return Error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", FcmError("INVALID_ARGUMENT"));
        }

        var token = message["token"] is JsonValue tokenValue && tokenValue.TryGetValue<string>(out var text) ? text : null;
        if (token is not null && token.Contains("unregistered", StringComparison.OrdinalIgnoreCase))
        {
            return Error(404, "NOT_FOUND", "Requested entity was not found.", FcmError("UNREGISTERED"));
        }

        if (token is not null && (token.Length == 0 || SandboxContext.IsMarkedInvalid(token)))
        {
            return Error(400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token", FcmError("INVALID_ARGUMENT"));
        }

        if (message["data"] is JsonObject data)
        {
            var index = 0;
            foreach (var (_, value) in data)
            {
                if (value?.GetValueKind() != JsonValueKind.String)
                {
                    var invalid = $"Invalid value at 'message.data[{index}].value' (TYPE_STRING), {value?.ToJsonString()}";
                    return Error(400, "INVALID_ARGUMENT", invalid, new JsonObject
                    {
                        ["@type"] = "type.googleapis.com/google.rpc.BadRequest",
                        ["fieldViolations"] = new JsonArray(new JsonObject { ["field"] = $"message.data[{index}].value", ["description"] = invalid }),
                    });
                }

                index++;
            }
        }

        var name = $"projects/{projectId}/messages/0:{Sandbox.Time.GetUtcNow().ToUnixTimeMilliseconds()}%{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var recorded = new SandboxMessage(
            Name, name, Sandbox.Time.GetUtcNow(), Protocol(http), Sandbox.Credentials.FcmClientEmail,
            token ?? message[targets[0]]?.ToString() ?? "", new Dictionary<string, string>(), raw, new Dictionary<string, string>());
        await Sandbox.AcceptAsync(recorded, http);
        return SandboxContext.Json(new JsonObject { ["name"] = name });
    }

    private static JsonObject FcmError(string errorCode) => new()
    {
        ["@type"] = "type.googleapis.com/google.firebase.fcm.v1.FcmError",
        ["errorCode"] = errorCode,
    };

    private static IResult Error(int code, string status, string message, JsonObject? detail = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message, ["status"] = status };
        if (detail is not null)
        {
            error["details"] = new JsonArray(detail);
        }

        return SandboxContext.Json(new JsonObject { ["error"] = error }, code);
    }

    private static IResult GrantError(string error, string description) =>
        SandboxContext.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, StatusCodes.Status400BadRequest);
}
