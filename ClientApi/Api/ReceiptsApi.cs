using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Interfaces.Notifications;
using Orleans;

namespace PaymentNotifications.Api;

/// <summary>
/// Delivery receipts from providers: Twilio status callbacks and SendGrid event webhooks. These
/// routes take no API key: each request is authenticated by the provider's own signature, and an
/// unsigned or badly signed one is refused with 401. A receipt updates the notification's
/// deliveryStatus; its state (SUCCESS) stays as it is.
/// </summary>
public static class ReceiptsApi
{
    // SendGrid event signatures older than this are refused as replays.
    private static readonly TimeSpan SendGridTolerance = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapReceiptRoutes(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/providers/twilio/status", TwilioStatus).WithTags("Provider receipts").WithName("TwilioStatusCallback").AllowAnonymous()
            .WithSummary("Twilio status callback (form post signed with X-Twilio-Signature); updates deliveryStatus.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status401Unauthorized);
        routes.MapPost("/v1/providers/sendgrid/events", SendGridEvents).WithTags("Provider receipts").WithName("SendGridEventWebhook").AllowAnonymous()
            .WithSummary("SendGrid event webhook (JSON array signed with ECDSA); updates deliveryStatus.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status401Unauthorized);
        return routes;
    }

    private static async Task<IResult> TwilioStatus(HttpRequest http, IGrainFactory grains)
    {
        var options = http.HttpContext.RequestServices.GetService<IOptions<TwilioOptions>>()?.Value;
        if (options is null || !http.HasFormContentType || string.IsNullOrEmpty(http.Headers[TwilioRequestSignature.HeaderName]))
        {
            return Unsigned("Twilio is not configured, or the callback is not a signed form post.");
        }
        IFormCollection form;
        try
        {
            form = await http.ReadFormAsync(http.HttpContext.RequestAborted);
        }
        catch (InvalidDataException)
        {
            return ApiProblems.Malformed("The form body could not be read.");
        }
        var fields = form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value.ToString())).ToList();
        // Twilio signs the URL it called: the configured public callback URL when set, else this request's URL.
        var calledUrl = string.IsNullOrEmpty(options.StatusCallbackUrl)
            ? $"{http.Scheme}://{http.Host}{http.PathBase}{http.Path}{http.QueryString}"
            : $"{options.StatusCallbackUrl}{http.QueryString}";
        if (!TwilioRequestSignature.IsValid(options.AuthToken, calledUrl, fields, http.Headers[TwilioRequestSignature.HeaderName]))
        {
            return Unsigned("X-Twilio-Signature does not match.");
        }
        var id = http.Query[TwilioSmsAdapter.NotificationIdQueryParameter].ToString();
        var status = form["MessageStatus"].ToString();
        if (NotificationId.IsWellFormed(id) && status is "delivered" or "undelivered" or "failed" or "sent")
        {
            await grains.GetGrain<INotificationGrain>(id).RecordReceipt("twilio", status);
        }
        return TypedResults.NoContent();
    }

    private static async Task<IResult> SendGridEvents(HttpRequest http, IGrainFactory grains, TimeProvider time)
    {
        var options = http.HttpContext.RequestServices.GetService<IOptions<SendGridOptions>>()?.Value;
        if (options?.EventWebhookPublicKey is not { Length: > 0 } publicKey)
        {
            return Unsigned("SendGrid event verification is not configured (Providers:SendGrid:EventWebhookPublicKey).");
        }
        using var buffer = new MemoryStream();
        await http.Body.CopyToAsync(buffer, http.HttpContext.RequestAborted);
        var payload = buffer.ToArray();
        var timestamp = http.Headers[SendGridEventSignature.TimestampHeader].ToString();
        using var verifier = new SendGridEventSignature(publicKey);
        if (!long.TryParse(timestamp, out var seconds) || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > SendGridTolerance
            || !verifier.Verify(payload, timestamp, http.Headers[SendGridEventSignature.SignatureHeader]))
        {
            return Unsigned("The event webhook signature or timestamp is not valid.");
        }
        using var events = JsonDocument.Parse(payload);
        if (events.RootElement.ValueKind != JsonValueKind.Array)
        {
            return ApiProblems.Malformed("SendGrid events come as a JSON array.");
        }
        foreach (var item in events.RootElement.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            var id = item.TryGetProperty(SendGridEmailAdapter.NotificationIdArgument, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var kind = item.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var status = kind switch
            {
                "delivered" => "delivered",
                "bounce" => "bounced",
                "dropped" => "undelivered",
                "deferred" => "deferred",
                _ => null,
            };
            if (id is not null && status is not null && NotificationId.IsWellFormed(id))
            {
                await grains.GetGrain<INotificationGrain>(id).RecordReceipt("sendgrid", status);
            }
        }
        return TypedResults.NoContent();
    }

    private static IResult Unsigned(string detail) =>
        ApiProblems.Problem(StatusCodes.Status401Unauthorized, ApiProblems.Unauthorized, "The receipt is not authenticated.", detail);
}
