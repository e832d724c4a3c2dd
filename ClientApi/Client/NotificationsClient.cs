using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Client.Http;
using PaymentNotifications.Client.Models;

namespace PaymentNotifications.Client;

/// <summary>Typed client of the tenant routes of the Notifications API, with retries of transient failures.</summary>
public sealed class NotificationsClient : INotificationsClient, IDisposable
{
    private static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);

    private readonly ApiConnection api;

    /// <summary>Wraps an HttpClient configured by <c>AddNotificationsClient</c> (base address, key, retries).</summary>
    [ActivatorUtilitiesConstructor]
    public NotificationsClient(HttpClient httpClient, TimeProvider? timeProvider = null)
    {
        api = new ApiConnection(httpClient, timeProvider ?? TimeProvider.System, ownsHttpClient: false);
    }

    /// <summary>Builds a client with its own HttpClient, for use without dependency injection; dispose it when done.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public NotificationsClient(NotificationsClientOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        api = ApiConnection.Create(options, timeProvider, loggerFactory, typeof(NotificationsClient).FullName!);
    }

    /// <inheritdoc />
    public async Task<SubmitResult> SubmitAsync(NotificationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Repeatable: the idempotency key makes the API answer a repeat with the first notification.
        using var message = ApiConnection.Request(
            HttpMethod.Post,
            "v1/notifications",
            ApiConnection.Json(request, ClientJsonContext.Default.NotificationRequest),
            repeatable: true);
        IdempotencyKeyHeader.Add(message, request.IdempotencyKey);

        using var response = await api.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var notification = await ApiConnection.ReadAsync(response, ClientJsonContext.Default.Notification, cancellationToken)
            .ConfigureAwait(false);
        var location = response.Headers.Location is { } l && response.RequestMessage?.RequestUri is { } requestUri && !l.IsAbsoluteUri
            ? new Uri(requestUri, l)
            : response.Headers.Location;
        return new SubmitResult(notification, Created: response.StatusCode != HttpStatusCode.OK, location);
    }

    /// <inheritdoc />
    public Task<Notification> GetAsync(string id, CancellationToken cancellationToken = default) =>
        api.SendAsync(HttpMethod.Get, NotificationPath(id), null, ClientJsonContext.Default.Notification, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<Notification> ListAsync(NotificationQuery? query = null, CancellationToken cancellationToken = default) =>
        ApiConnection.WalkAsync((cursor, ct) => ListPageAsync(query, cursor, ct), cancellationToken);

    /// <inheritdoc />
    public Task<NotificationPage> ListPageAsync(NotificationQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        if (query?.Limit is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "Limit must be positive.");
        }

        var path = "v1/notifications" + new QueryString()
            .Add("state", WireName.Of(query?.State))
            .Add("channel", WireName.Of(query?.Channel))
            .Add("type", query?.Type)
            .Add("userId", query?.UserId)
            .Add("limit", query?.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Add("cursor", cursor);
        return api.SendAsync(HttpMethod.Get, path, null, ClientJsonContext.Default.NotificationPage, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Notification> CancelAsync(string id, CancellationToken cancellationToken = default) =>
        api.SendAsync(HttpMethod.Post, NotificationPath(id) + "/cancel", null, ClientJsonContext.Default.Notification, cancellationToken);

    /// <inheritdoc />
    public Task<Notification> RetryAsync(string id, CancellationToken cancellationToken = default) =>
        api.SendAsync(HttpMethod.Post, NotificationPath(id) + "/retry", null, ClientJsonContext.Default.Notification, cancellationToken);

    /// <inheritdoc />
    public async Task<Notification> WaitForCompletionAsync(
        string id,
        TimeSpan? pollInterval = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var interval = pollInterval ?? DefaultPollInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(pollInterval));
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            timeout = null;
        }

        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "The timeout must be positive.");
        }

        using var deadline = timeout is { } limit ? new CancellationTokenSource(limit, api.TimeProvider) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline?.Token ?? CancellationToken.None);
        Notification? last = null;
        try
        {
            while (true)
            {
                last = await GetAsync(id, linked.Token).ConfigureAwait(false);
                if (last.IsFinal)
                {
                    return last;
                }

                await Task.Delay(interval, api.TimeProvider, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Notification {id} was {(last is null ? "not read" : WireName.Of(last.State))} after waiting {timeout}.");
        }
    }

    /// <inheritdoc />
    public Task<WebhookEndpoint> PutWebhookEndpointAsync(string merchantId, WebhookEndpointRequest endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return api.SendAsync(
            HttpMethod.Put,
            WebhookEndpointPath(merchantId),
            ApiConnection.Json(endpoint, ClientJsonContext.Default.WebhookEndpointRequest),
            ClientJsonContext.Default.WebhookEndpoint,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<WebhookEndpoint> GetWebhookEndpointAsync(string merchantId, CancellationToken cancellationToken = default) =>
        api.SendAsync(HttpMethod.Get, WebhookEndpointPath(merchantId), null, ClientJsonContext.Default.WebhookEndpoint, cancellationToken);

    /// <inheritdoc />
    public Task DeleteWebhookEndpointAsync(string merchantId, CancellationToken cancellationToken = default) =>
        api.SendAsync(HttpMethod.Delete, WebhookEndpointPath(merchantId), null, cancellationToken);

    /// <inheritdoc />
    public Task<WebhookSecret> RotateWebhookSecretAsync(string merchantId, CancellationToken cancellationToken = default) =>
        api.SendAsync(
            HttpMethod.Post,
            WebhookEndpointPath(merchantId) + "/rotate-secret",
            null,
            ClientJsonContext.Default.WebhookSecret,
            cancellationToken);

    /// <inheritdoc />
    public Task<UserPreferences> PutUserPreferencesAsync(string userId, UserPreferences preferences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        return api.SendAsync(
            HttpMethod.Put,
            PreferencesPath(userId),
            ApiConnection.Json(preferences, ClientJsonContext.Default.UserPreferences),
            ClientJsonContext.Default.UserPreferences,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<UserPreferences> GetUserPreferencesAsync(string userId, CancellationToken cancellationToken = default) =>
        api.SendAsync(HttpMethod.Get, PreferencesPath(userId), null, ClientJsonContext.Default.UserPreferences, cancellationToken);

    /// <summary>Releases the HttpClient this client created; one given to it is left to its owner.</summary>
    public void Dispose() => api.Dispose();

    private static string NotificationPath(string id) => "v1/notifications/" + ApiConnection.Segment(id, nameof(id));

    private static string WebhookEndpointPath(string merchantId) =>
        $"v1/merchants/{ApiConnection.Segment(merchantId, nameof(merchantId))}/webhook-endpoint";

    private static string PreferencesPath(string userId) =>
        $"v1/users/{ApiConnection.Segment(userId, nameof(userId))}/preferences";
}
