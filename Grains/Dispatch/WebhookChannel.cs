using System.Net.Http.Headers;
using System.Text.Json;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Merchants;
using PaymentNotifications.Grains.Merchants;
using PaymentNotifications.Grains.Webhooks;
using Orleans;

namespace PaymentNotifications.Grains.Dispatch;

/// <summary>
/// Delivers to a merchant's webhook endpoint: a signed POST (Standard Webhooks headers, the same
/// webhook-id on every attempt) through a client that re-checks the target address on every
/// connection and follows no redirects. The endpoint's target comes from this silo's <see cref="WebhookTargetCache"/>.
/// </summary>
public sealed class WebhookChannel(IGrainFactory grains, WebhookTargetCache targets, IHttpClientFactory httpClients, TimeProvider time) : IDeliveryChannel
{
    /// <summary>The named HttpClient whose handler carries the SSRF guard.</summary>
    public const string HttpClientName = "webhooks";

    public const string ProviderName = "webhook";

    public Channel Channel => Channel.Webhook;

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        var merchantId = request.Recipient.MerchantId!;
        var endpointKey = MerchantEndpointKey.For(request.TenantId, merchantId);
        var endpoint = grains.GetGrain<IMerchantEndpointGrain>(endpointKey);
        var target = await targets.GetAsync(endpointKey, _ => endpoint.GetTarget());
        if (target is null)
        {
            return NotApplicable($"Merchant '{merchantId}' has no webhook endpoint.");
        }
        if (!target.Enabled)
        {
            return NotApplicable($"The webhook endpoint of merchant '{merchantId}' is disabled.");
        }
        if (!target.Accepts(request.Type))
        {
            return NotApplicable($"The webhook endpoint of merchant '{merchantId}' is not subscribed to '{request.Type}'.");
        }

        var now = time.GetUtcNow();
        var body = Body(request);
        var headers = WebhookSignature.CreateHeaders(request.NotificationId, now, body, target.ActiveSecrets(now).Select(WebhookSecret.Parse));
        using var message = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, headers.Id);
        message.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, headers.Timestamp);
        message.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, headers.Signature);

        DeliveryClassification verdict;
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            verdict = HttpDeliveryClassifier.Classify(response, time.GetUtcNow());
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await endpoint.ReportDelivery(false, false, "timeout");
            return new DeliveryResult(AttemptOutcome.Unknown, ProviderName, Error: "The endpoint did not answer in time.");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or WebhookTargetRefusedException)
        {
            verdict = HttpDeliveryClassifier.ClassifyException(e);
        }

        if (verdict.Outcome == DeliveryOutcome.Success)
        {
            if (target.FailingSince is not null)
            {
                await endpoint.ReportDelivery(true, false, null);
            }
            return new DeliveryResult(AttemptOutcome.Delivered, ProviderName, verdict.StatusCode);
        }
        await endpoint.ReportDelivery(false, verdict.DisablesEndpoint, verdict.Reason);
        return new DeliveryResult(
            verdict.Outcome == DeliveryOutcome.Permanent ? AttemptOutcome.Permanent : AttemptOutcome.Retryable,
            ProviderName, verdict.StatusCode, verdict.Reason, verdict.RetryAfter);
    }

    /// <summary>The payload: {"id","type","timestamp","data"}, the same bytes on every attempt.</summary>
    internal static byte[] Body(DeliveryRequest request)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", request.NotificationId);
            writer.WriteString("type", request.Type);
            writer.WriteString("timestamp", request.CreatedAt.UtcDateTime);
            writer.WritePropertyName("data");
            if (request.Data is { } data)
            {
                data.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static DeliveryResult NotApplicable(string reason) => new(AttemptOutcome.NotApplicable, ProviderName, Error: reason);
}
