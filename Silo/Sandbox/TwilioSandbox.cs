using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PaymentNotifications.Grains.Channels;

namespace PaymentNotifications.Silo.Sandbox;

/// <summary>
/// Stand-in for the Twilio Messages API: basic auth with the account SID and auth token, form posts validated
/// with Twilio's error codes, and Twilio's magic test numbers (+15005550001 invalid, +15005550004 unsubscribed,
/// +15005550009 not a mobile). Undelivered faults arrive as signed status callbacks.
/// </summary>
internal sealed partial class TwilioSandbox(SandboxContext sandbox) : ProviderSandbox(sandbox)
{
    private const string ApiVersion = "2010-04-01";

    // Twilio's magic test numbers and the error each one produces.
    private static readonly Dictionary<string, (int Code, string Message)> MagicNumbers = new()
    {
        ["+15005550001"] = (21211, "The 'To' number +15005550001 is not a valid phone number."),
        ["+15005550002"] = (21612, "The 'To' phone number is not currently reachable via SMS."),
        ["+15005550003"] = (21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number."),
        ["+15005550004"] = (21610, "Attempt to send to unsubscribed recipient"),
        ["+15005550009"] = (21614, "'To' number is not a valid mobile number"),
    };

    public override string Name => "twilio";

    public override void Map(RouteGroupBuilder routes)
    {
        WithFaults(routes.MapPost($"/{ApiVersion}/Accounts/{{accountSid}}/Messages.json", SendAsync));
        WithFaults(routes.MapGet($"/{ApiVersion}/Accounts/{{accountSid}}/Messages/{{messageSid}}.json", Fetch));
    }

    protected override IResult FaultAnswer(SandboxFault fault, FaultSettings settings, HttpContext http)
    {
        switch (fault)
        {
            case SandboxFault.Throttle:
                SandboxContext.SetRetryAfter(http, settings);
                return Error(429, 20429, "Too Many Requests");
            case SandboxFault.Down:
                SandboxContext.SetRetryAfter(http, settings);
                return Error(503, 20503, "Service Unavailable");
            default:
                return Error(500, 20500, "Internal Server Error");
        }
    }

    private async Task<IResult> SendAsync(HttpContext http, string accountSid)
    {
        if (!Authenticated(http, accountSid))
        {
            return Unauthenticated(http);
        }

        var form = await SandboxContext.ReadFormAsync(http);
        var to = form.GetValueOrDefault("To");
        var from = form.GetValueOrDefault("From");
        var serviceSid = form.GetValueOrDefault("MessagingServiceSid");
        var body = form.GetValueOrDefault("Body");
        var callback = form.GetValueOrDefault("StatusCallback");

        if (string.IsNullOrEmpty(to)) return Error(400, 21604, "A 'To' phone number is required.");
        if (string.IsNullOrEmpty(from) && string.IsNullOrEmpty(serviceSid)) return Error(400, 21603, "A 'From' phone number is required.");
        if (string.IsNullOrEmpty(body)) return Error(400, 21602, "Message body is required.");
        if (body.Length > 1600) return Error(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
        if (!E164().IsMatch(to) || SandboxContext.IsMarkedInvalid(to)) return Error(400, 21211, $"The 'To' number {to} is not a valid phone number.");
        if (MagicNumbers.TryGetValue(to, out var magic)) return Error(400, magic.Code, magic.Message);
        if (!string.IsNullOrEmpty(callback) && !Uri.TryCreate(callback, UriKind.Absolute, out _)) return Error(400, 21609, "Invalid StatusCallback url");

        var sid = "SM" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var message = new SandboxMessage(
            Name, sid, Sandbox.Time.GetUtcNow(), Protocol(http), accountSid, to,
            form, Json: null, Headers: new Dictionary<string, string>());
        var undelivered = await Sandbox.AcceptAsync(message, http);
        if (undelivered && !string.IsNullOrEmpty(callback))
        {
            SendUndeliveredCallback(http, callback, sid, accountSid, from ?? serviceSid!, to);
        }

        var resource = Resource(message);
        resource["status"] = "queued";
        return SandboxContext.Json(resource, StatusCodes.Status201Created);
    }

    private IResult Fetch(HttpContext http, string accountSid, string messageSid)
    {
        if (!Authenticated(http, accountSid))
        {
            return Unauthenticated(http);
        }

        var message = Sandbox.Recorder.Find(Name, messageSid);
        return message is null
            ? Error(404, 20404, $"The requested resource /{ApiVersion}/Accounts/{accountSid}/Messages/{messageSid}.json was not found")
            : SandboxContext.Json(Resource(message));
    }

    private void SendUndeliveredCallback(HttpContext http, string callbackUrl, string sid, string accountSid, string from, string to)
    {
        var form = new Dictionary<string, string>
        {
            ["AccountSid"] = accountSid,
            ["ApiVersion"] = ApiVersion,
            ["ErrorCode"] = "30003",
            ["From"] = from,
            ["MessageSid"] = sid,
            ["MessageStatus"] = "undelivered",
            ["SmsSid"] = sid,
            ["SmsStatus"] = "undelivered",
            ["To"] = to,
        };
        var signature = TwilioRequestSignature.Compute(Sandbox.Credentials.TwilioAuthToken, callbackUrl, form);
        Sandbox.SendAfterAnswer(http, "twilio status callback", (client, ct) =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, callbackUrl) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Add(TwilioRequestSignature.HeaderName, signature);
            return client.SendAsync(request, ct);
        });
    }

    private JsonObject Resource(SandboxMessage message)
    {
        var created = message.ReceivedAt.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        var undelivered = message.Status == SandboxMessage.Undelivered;
        var uri = $"/{ApiVersion}/Accounts/{message.AuthenticatedAs}/Messages/{message.Id}.json";
        return new JsonObject
        {
            ["account_sid"] = message.AuthenticatedAs,
            ["api_version"] = ApiVersion,
            ["body"] = message.Fields.GetValueOrDefault("Body"),
            ["date_created"] = created,
            ["date_sent"] = created,
            ["date_updated"] = created,
            ["direction"] = "outbound-api",
            ["error_code"] = undelivered ? 30003 : null,
            ["error_message"] = undelivered ? "Unreachable destination handset" : null,
            ["from"] = message.Fields.GetValueOrDefault("From"),
            ["messaging_service_sid"] = message.Fields.GetValueOrDefault("MessagingServiceSid"),
            ["num_media"] = "0",
            ["num_segments"] = "1",
            ["price"] = null,
            ["price_unit"] = "USD",
            ["sid"] = message.Id,
            ["status"] = undelivered ? "undelivered" : "delivered",
            ["subresource_uris"] = new JsonObject { ["media"] = uri.Replace(".json", "/Media.json") },
            ["to"] = message.Recipient,
            ["uri"] = uri,
        };
    }

    private bool Authenticated(HttpContext http, string accountSid) =>
        SandboxContext.BasicCredentials(http) is var (user, password)
        && user == Sandbox.Credentials.TwilioAccountSid
        && accountSid == user
        && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(password), System.Text.Encoding.UTF8.GetBytes(Sandbox.Credentials.TwilioAuthToken));

    private static IResult Unauthenticated(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "Basic realm=\"Twilio API\"";
        return Error(401, 20003, "Authenticate");
    }

    private static IResult Error(int status, int code, string message) => SandboxContext.Json(new JsonObject
    {
        ["code"] = code,
        ["message"] = message,
        ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
        ["status"] = status,
    }, status);

    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}$")]
    private static partial Regex E164();
}
