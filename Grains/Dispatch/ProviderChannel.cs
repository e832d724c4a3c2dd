using System.Text.Json;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Templates;
using PaymentNotifications.Grains.Interfaces.Users;
using PaymentNotifications.Grains.Providers;
using Orleans;

namespace PaymentNotifications.Grains.Dispatch;

/// <summary>
/// Delivers SMS, email or push through the channel's providers in order: the user's preferences,
/// quiet hours and limits are asked first, the content is rendered, then the first provider whose
/// circuit lets the call through is tried; a provider that fails before the message could have
/// reached it hands over to the next one in the same attempt. An unknown outcome (sent, no answer)
/// is not resent elsewhere, and an invalid recipient is final everywhere.
/// </summary>
public sealed class ProviderChannel(
    Channel channel,
    IReadOnlyList<IProviderAdapter> providers,
    ProviderCircuits circuits,
    IGrainFactory grains,
    MessageLimitOptions limits,
    TimeProvider time,
    ILogger<ProviderChannel> logger) : IDeliveryChannel
{
    // How soon to come back when every provider's circuit is open.
    private static readonly TimeSpan AllOpenRetryAfter = TimeSpan.FromSeconds(5);

    public Channel Channel => channel;

    public IReadOnlyList<string> ProviderNames => providers.Select(p => p.Name).ToList();

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        var channelName = WireNames.Of(channel);
        if (request.Recipient.UserId is { } userId)
        {
            var admission = await grains.GetGrain<IUserGrain>(UserKey.For(request.TenantId, userId))
                .Admit(request.NotificationId, request.Type, channel, request.Priority);
            if (admission.Outcome == AdmissionOutcome.NotApply)
            {
                return new DeliveryResult(AttemptOutcome.NotApplicable, channelName, Error: admission.Reason);
            }
            if (admission.Outcome == AdmissionOutcome.Defer)
            {
                return new DeliveryResult(AttemptOutcome.Deferred, channelName, Error: admission.Reason, DeferUntil: admission.DeferUntil);
            }
        }

        var (content, renderError) = await RenderAsync(request);
        if (content is null)
        {
            return new DeliveryResult(AttemptOutcome.Permanent, channelName, Error: renderError);
        }
        // Over the limit is the message's fault, not a provider's: final, and no reason to try the next provider.
        var body = channel == Channel.Push ? content.Body : content.Text;
        if (limits.TooLarge(channel, content.Title, body, request.Data) is { } tooLarge)
        {
            return new DeliveryResult(AttemptOutcome.Permanent, channelName, Error: tooLarge);
        }
        var message = new OutboundMessage(request.NotificationId, request.TenantId, channel, request.Type,
            new MessageRecipient(request.Recipient.Phone, request.Recipient.Email, request.Recipient.DeviceToken, request.Recipient.Platform),
            content, FlattenData(request.Data));

        var skipped = new List<string>();
        ProviderResult? last = null;
        foreach (var provider in providers.Where(p => p.CanDeliver(message)))
        {
            if (!circuits.TryAcquire(provider.Name))
            {
                skipped.Add($"{provider.Name}: circuit open");
                continue;
            }
            var started = time.GetTimestamp();
            last = await provider.SendAsync(message, cancellationToken);
            var elapsed = time.GetElapsedTime(started);
            var providerHealthy = last.Outcome == ProviderOutcome.Success || (last.Outcome == ProviderOutcome.Permanent && last.RecipientInvalid);
            circuits.Record(provider.Name, providerHealthy, elapsed);

            switch (last.Outcome)
            {
                case ProviderOutcome.Success:
                    return new DeliveryResult(AttemptOutcome.Delivered, provider.Name, last.StatusCode,
                        skipped.Count == 0 ? null : $"Delivered after: {string.Join("; ", skipped)}", ProviderMessageId: last.ProviderMessageId);
                case ProviderOutcome.Unknown:
                    return new DeliveryResult(AttemptOutcome.Unknown, provider.Name, last.StatusCode, last.Error, last.RetryAfter, last.ProviderMessageId);
                case ProviderOutcome.Permanent when last.RecipientInvalid:
                    return new DeliveryResult(AttemptOutcome.Permanent, provider.Name, last.StatusCode, $"Recipient refused: {last.Error}");
                default:
                    skipped.Add($"{provider.Name}: {last.Error ?? last.Outcome.ToString()}");
                    logger.LogInformation("Provider {Provider} failed for {NotificationId} ({Outcome}); trying the next", provider.Name, request.NotificationId, last.Outcome);
                    break;
            }
        }

        if (last is null)
        {
            return skipped.Count == 0
                ? new DeliveryResult(AttemptOutcome.Permanent, channelName, Error: $"No configured {channelName} provider can deliver to this recipient.")
                : new DeliveryResult(AttemptOutcome.Retryable, channelName, Error: string.Join("; ", skipped), RetryAfter: AllOpenRetryAfter);
        }
        return new DeliveryResult(
            last.Outcome == ProviderOutcome.Permanent ? AttemptOutcome.Permanent : AttemptOutcome.Retryable,
            last.Provider, last.StatusCode, string.Join("; ", skipped), last.RetryAfter);
    }

    private async Task<(RenderedContent? Content, string? Error)> RenderAsync(DeliveryRequest request)
    {
        if (request.Template is null)
        {
            var inline = request.Content ?? new MessageContent();
            return (new RenderedContent(inline.Subject, inline.Text, inline.Html, Title: inline.Subject, Body: inline.Text), null);
        }
        var result = await grains.GetGrain<ITemplateGrain>(TemplateKey.For(request.TenantId, request.Template))
            .Render(channel, request.Recipient.Locale, request.Data);
        if (result.Rendered is not { } rendered)
        {
            return (null, "Template could not be rendered: " + string.Join(" ", result.Errors!.SelectMany(e => e.Value)));
        }
        return (new RenderedContent(rendered.Subject, rendered.Text, rendered.Html, rendered.Title, rendered.Body), null);
    }

    // Providers take flat string data (FCM data, custom args): top-level values, objects as JSON text.
    private static Dictionary<string, string>? FlattenData(JsonElement? data) =>
        data is { ValueKind: JsonValueKind.Object } element
            ? element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())
            : null;
}
