using System.Text.Json;
using Notifications.Orleans.Grains.Interfaces.Contracts;

namespace Notifications.Orleans.Grains.Dispatch;

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

/// <summary>Picks the channel implementation for a notification.</summary>
public sealed class ChannelDispatcher(IEnumerable<IDeliveryChannel> channels)
{
    private readonly Dictionary<Channel, IDeliveryChannel> _channels = channels.ToDictionary(c => c.Channel);

    public Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken) =>
        _channels.TryGetValue(request.Channel, out var channel)
            ? channel.DeliverAsync(request, cancellationToken)
            : Task.FromResult(new DeliveryResult(AttemptOutcome.Permanent, request.Channel.ToString().ToLowerInvariant(),
                Error: $"No provider is configured for the {request.Channel.ToString().ToLowerInvariant()} channel."));
}
