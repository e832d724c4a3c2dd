using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Client.Http;
using PaymentNotifications.Client.Models;

namespace PaymentNotifications.Client;

/// <summary>Typed client of the operator routes (<c>/v1/admin/*</c>); needs the admin key.</summary>
public sealed class NotificationsAdminClient : IDisposable
{
    private readonly ApiConnection api;

    /// <summary>Wraps an HttpClient configured by <c>AddNotificationsAdminClient</c> (base address, admin key, retries).</summary>
    [ActivatorUtilitiesConstructor]
    public NotificationsAdminClient(HttpClient httpClient, TimeProvider? timeProvider = null)
    {
        api = new ApiConnection(httpClient, timeProvider ?? TimeProvider.System, ownsHttpClient: false);
    }

    /// <summary>Builds a client with its own HttpClient, for use without dependency injection; dispose it when done.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public NotificationsAdminClient(NotificationsClientOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        api = ApiConnection.Create(options, timeProvider, loggerFactory, typeof(NotificationsAdminClient).FullName!);
    }

    /// <summary>Creates a tenant; the answer holds its API key, which is never shown again.</summary>
    public Task<CreatedTenant> CreateTenantAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return api.SendAsync(
            HttpMethod.Post,
            "v1/admin/tenants",
            ApiConnection.Json(new CreateTenantRequest(name), ClientJsonContext.Default.CreateTenantRequest),
            ClientJsonContext.Default.CreatedTenant,
            cancellationToken);
    }

    /// <summary>Reads the silos and which one owns each partition.</summary>
    public Task<ClusterView> GetClusterAsync(CancellationToken cancellationToken = default) =>
        api.SendAsync(HttpMethod.Get, "v1/admin/cluster", null, ClientJsonContext.Default.ClusterView, cancellationToken);

    /// <summary>Reads each provider's circuit state, recent success rate and latency.</summary>
    public async Task<IReadOnlyList<ProviderStatus>> GetProvidersAsync(CancellationToken cancellationToken = default)
    {
        using var request = ApiConnection.Request(HttpMethod.Get, "v1/admin/providers", null);
        using var response = await api.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var document = await ApiConnection.ReadAsync(response, ClientJsonContext.Default.JsonElement, cancellationToken).ConfigureAwait(false);

        // A bare array, or an object wrapping it, so the listing can gain fields without breaking this client.
        var list = document.ValueKind == JsonValueKind.Object
                   && (document.TryGetProperty("providers", out var wrapped) || document.TryGetProperty("items", out wrapped))
            ? wrapped
            : document;
        return list.Deserialize(ClientJsonContext.Default.IReadOnlyListProviderStatus) ?? [];
    }

    /// <summary>Drives a provider's circuit breaker: automatic, or forced open or closed.</summary>
    public Task SetCircuitModeAsync(string provider, CircuitMode mode, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown circuit mode.");
        }

        // Setting a mode twice leaves the same mode, so the call may be repeated after an ambiguous failure.
        return api.SendAsync(
            HttpMethod.Post,
            $"v1/admin/providers/{ApiConnection.Segment(provider, nameof(provider))}/circuit",
            ApiConnection.Json(new CircuitModeRequest(mode), ClientJsonContext.Default.CircuitModeRequest),
            cancellationToken,
            repeatable: true);
    }

    /// <summary>Lists dead letters (FAILED notifications), fetching further pages as the enumeration goes on.</summary>
    public IAsyncEnumerable<Notification> ListDeadLettersAsync(DeadLetterQuery? query = null, CancellationToken cancellationToken = default) =>
        ApiConnection.WalkAsync((cursor, ct) => ListDeadLetterPageAsync(query, cursor, ct), cancellationToken);

    /// <summary>Reads one page of dead letters; pass the previous page's <see cref="NotificationPage.NextCursor"/> to go on.</summary>
    public Task<NotificationPage> ListDeadLetterPageAsync(DeadLetterQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        if (query?.Limit is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "Limit must be positive.");
        }

        var path = "v1/admin/dead-letters" + new QueryString()
            .Add("tenantId", query?.TenantId)
            .Add("channel", WireName.Of(query?.Channel))
            .Add("type", query?.Type)
            .Add("since", query?.Since is { } since ? UtcTimestampConverter.Format(since) : null)
            .Add("limit", query?.Limit?.ToString(CultureInfo.InvariantCulture))
            .Add("cursor", cursor);
        return api.SendAsync(HttpMethod.Get, path, null, ClientJsonContext.Default.NotificationPage, cancellationToken);
    }

    /// <summary>Sends the given dead letters back to PENDING with a fresh attempt budget.</summary>
    public Task<DeadLetterReplay> ReplayDeadLettersAsync(IEnumerable<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids.ToList();
        if (list.Count == 0 || list.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Give at least one id, and no empty ones.", nameof(ids));
        }

        return ReplayAsync(new DeadLetterReplayRequest(list, null), cancellationToken);
    }

    /// <summary>Sends every dead letter that failed at or after <paramref name="since"/> back to PENDING.</summary>
    public Task<DeadLetterReplay> ReplayDeadLettersSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        ReplayAsync(new DeadLetterReplayRequest(null, since), cancellationToken);

    /// <summary>Releases the HttpClient this client created; one given to it is left to its owner.</summary>
    public void Dispose() => api.Dispose();

    private async Task<DeadLetterReplay> ReplayAsync(DeadLetterReplayRequest body, CancellationToken cancellationToken)
    {
        using var request = ApiConnection.Request(
            HttpMethod.Post,
            "v1/admin/dead-letters/replay",
            ApiConnection.Json(body, ClientJsonContext.Default.DeadLetterReplayRequest));
        using var response = await api.SendAsync(request, cancellationToken).ConfigureAwait(false);

        // An accepted replay may come back without a body.
        return response.Content.Headers.ContentLength is 0
            ? new DeadLetterReplay()
            : await ApiConnection.ReadAsync(response, ClientJsonContext.Default.DeadLetterReplay, cancellationToken).ConfigureAwait(false);
    }
}
