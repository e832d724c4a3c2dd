using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace PaymentNotifications.Silo.Sandbox;

/// <summary>
/// Stand-in for Mailgun's messages API (POST /v3/{domain}/messages): basic auth "api" + key, form fields
/// validated with Mailgun's messages, 200 {id, message}.
/// </summary>
internal sealed class MailgunSandbox(SandboxContext sandbox) : ProviderSandbox(sandbox)
{
    public override string Name => "mailgun";

    public override void Map(RouteGroupBuilder routes) => WithFaults(routes.MapPost("/v3/{domain}/messages", SendAsync));

    protected override IResult FaultAnswer(SandboxFault fault, FaultSettings settings, HttpContext http)
    {
        switch (fault)
        {
            case SandboxFault.Throttle:
                SandboxContext.SetRetryAfter(http, settings);
                return Message(429, "Too many requests");
            case SandboxFault.Down:
                SandboxContext.SetRetryAfter(http, settings);
                return Message(503, "Service Unavailable");
            default:
                return Message(500, "Internal Server Error");
        }
    }

    private async Task<IResult> SendAsync(HttpContext http, string domain)
    {
        if (SandboxContext.BasicCredentials(http) is not var (user, password)
            || user != "api"
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(Sandbox.Credentials.MailgunApiKey)))
        {
            return Results.Text("Forbidden", "text/plain", Encoding.UTF8, StatusCodes.Status401Unauthorized);
        }

        if (domain != Sandbox.Credentials.MailgunDomain)
        {
            return Message(404, $"Domain not found: {domain}");
        }

        var form = await SandboxContext.ReadFormAsync(http);
        var from = form.GetValueOrDefault("from");
        var to = form.GetValueOrDefault("to");
        if (string.IsNullOrEmpty(from)) return Message(400, "'from' parameter is missing");
        if (!IsAddress(from)) return Message(400, "'from' parameter is not a valid address. please check documentation");
        if (string.IsNullOrEmpty(to)) return Message(400, "'to' parameter is missing");
        if (!IsAddress(to) || SandboxContext.IsMarkedInvalid(to)) return Message(400, "'to' parameter is not a valid address. please check documentation");
        if (string.IsNullOrEmpty(form.GetValueOrDefault("subject"))) return Message(400, "'subject' parameter is missing");
        if (string.IsNullOrEmpty(form.GetValueOrDefault("text")) && string.IsNullOrEmpty(form.GetValueOrDefault("html")))
        {
            return Message(400, "Need at least one of 'text', 'html' or 'template' parameters specified");
        }

        var now = Sandbox.Time.GetUtcNow();
        var id = $"<{now:yyyyMMddHHmmss}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}@{domain}>";
        var message = new SandboxMessage(Name, id, now, Protocol(http), user, to, form, Json: null, Headers: new Dictionary<string, string>());
        await Sandbox.AcceptAsync(message, http);
        return SandboxContext.Json(new JsonObject { ["id"] = id, ["message"] = "Queued. Thank you." });
    }

    private static bool IsAddress(string value) => MailAddress.TryCreate(value, out _);

    private static IResult Message(int status, string message) => SandboxContext.Json(new JsonObject { ["message"] = message }, status);
}
