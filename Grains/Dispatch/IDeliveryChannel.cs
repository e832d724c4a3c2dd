using System.Text.Json;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Dispatch;

/// <summary>What one delivery attempt needs to know about the notification.</summary>
public sealed record DeliveryRequest(
    string NotificationId,
    string TenantId,
    string Type,
    Channel Channel,
    Priority Priority,
    Recipient Recipient,
    JsonElement? Data,
    string? Template,
    MessageContent? Content,
    DateTimeOffset CreatedAt,
    int AttemptNumber);

/// <summary>How an attempt ended.</summary>
public enum AttemptOutcome
{
    /// <summary>The receiver or provider took it.</summary>
    Delivered,

    /// <summary>Nothing to deliver to (no endpoint, opted out): NOT_APPLY, no attempt is counted.</summary>
    NotApplicable,

    /// <summary>Not now (quiet hours, rate limit): try again at <see cref="DeliveryResult.DeferUntil"/>, no attempt is counted.</summary>
    Deferred,

    /// <summary>Failed in a way another attempt may fix.</summary>
    Retryable,

    /// <summary>Failed in a way no retry fixes.</summary>
    Permanent,

    /// <summary>Sent, but no answer came back: the receiver may have it.</summary>
    Unknown,
}

/// <summary>The result of one delivery attempt.</summary>
public sealed record DeliveryResult(
    AttemptOutcome Outcome,
    string Provider,
    int? StatusCode = null,
    string? Error = null,
    TimeSpan? RetryAfter = null,
    string? ProviderMessageId = null,
    DateTimeOffset? DeferUntil = null);

/// <summary>Delivers notifications of one channel.</summary>
public interface IDeliveryChannel
{
    Channel Channel { get; }

    Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Picks the channel implementation for a notification; when that channel fails permanently and the type has a
/// fallback channel the recipient can be reached on, the same attempt goes on there.
/// </summary>
public sealed class ChannelDispatcher(IEnumerable<IDeliveryChannel> channels, IOptions<ChannelRoutingOptions> routing)
{
    private readonly Dictionary<Channel, IDeliveryChannel> _channels = channels.ToDictionary(c => c.Channel);

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        var result = await DeliverOnAsync(request, cancellationToken);
        if (result.Outcome != AttemptOutcome.Permanent
            || routing.Value.FallbackFor(request.Type) is not { } fallback
            || fallback == request.Channel
            || !Reachable(request.Recipient, fallback))
        {
            return result;
        }
        var second = await DeliverOnAsync(request with { Channel = fallback }, cancellationToken);
        var note = $"{WireNames.Of(request.Channel)} failed permanently ({result.Error}); fell back to {WireNames.Of(fallback)}";
        if (second.Outcome == AttemptOutcome.NotApplicable)
        {
            // The recipient takes nothing on the fallback channel (opted out): the first channel's failure stands.
            return result with { Error = $"{note}, which does not apply: {second.Error}" };
        }
        return second with { Error = second.Error is { } error ? $"{note}: {error}" : note };
    }

    private Task<DeliveryResult> DeliverOnAsync(DeliveryRequest request, CancellationToken cancellationToken) =>
        _channels.TryGetValue(request.Channel, out var channel)
            ? channel.DeliverAsync(request, cancellationToken)
            : Task.FromResult(new DeliveryResult(AttemptOutcome.Permanent, WireNames.Of(request.Channel),
                Error: $"No provider is configured for the {WireNames.Of(request.Channel)} channel."));

    private static bool Reachable(Recipient recipient, Channel channel) => channel switch
    {
        Channel.Webhook => recipient.MerchantId is not null,
        Channel.Sms => recipient.Phone is not null,
        Channel.Email => recipient.Email is not null,
        _ => recipient.DeviceToken is not null && recipient.Platform is not null,
    };
}
