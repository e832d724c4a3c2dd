using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Client.Models;
using Polly.Timeout;

namespace PaymentNotifications.Client.Http;

/// <summary>Sends API requests over one HttpClient, reads JSON answers and turns errors into typed exceptions.</summary>
internal sealed class ApiConnection : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    private static readonly ProductInfoHeaderValue UserAgent = new(
        "PaymentNotifications.Client",
        typeof(ApiConnection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? "1.0");

    private readonly HttpClient http;
    private readonly bool ownsHttpClient;

    public ApiConnection(HttpClient http, TimeProvider timeProvider, bool ownsHttpClient)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is not { IsAbsoluteUri: true })
        {
            throw new ArgumentException(
                "The HttpClient needs an absolute BaseAddress; register it with AddNotificationsClient or pass NotificationsClientOptions.",
                nameof(http));
        }

        this.http = http;
        this.ownsHttpClient = ownsHttpClient;
        TimeProvider = timeProvider;
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>An HttpClient of its own, with retries, for a client built without dependency injection.</summary>
    public static ApiConnection Create(NotificationsClientOptions options, TimeProvider? timeProvider, ILoggerFactory? loggerFactory, string categoryName)
    {
        ArgumentNullException.ThrowIfNull(options);
        NotificationsClientOptionsValidator.ThrowIfInvalid(options);
        timeProvider ??= TimeProvider.System;
        var handler = RetryPipeline.CreateHandler(options, timeProvider, loggerFactory, categoryName);
        // Recycled connections follow DNS changes, as IHttpClientFactory's handler rotation would.
        handler.InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) };
        var http = new HttpClient(handler, disposeHandler: true);
        Configure(http, options);
        return new ApiConnection(http, timeProvider, ownsHttpClient: true);
    }

    /// <summary>Points an HttpClient at the API with the key and timeout of the options.</summary>
    public static void Configure(HttpClient http, NotificationsClientOptions options)
    {
        var baseAddress = options.BaseAddress!.AbsoluteUri;
        // Routes are relative ("v1/..."), so a base path such as /notifications/ must end with a slash to be kept.
        http.BaseAddress = new Uri(baseAddress.EndsWith('/') ? baseAddress : baseAddress + "/");
        http.Timeout = options.Timeout;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        http.DefaultRequestHeaders.UserAgent.Add(UserAgent);
    }

    /// <summary>The value as JSON, serialized once: a retried request sends these same bytes again.</summary>
    public static HttpContent Json<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = JsonMediaType;
        return content;
    }

    /// <summary>Sends the request; a non-success answer becomes the matching <see cref="NotificationsApiException"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException timeout)
        {
            throw new TimeoutException(
                $"{request.Method} {request.RequestUri?.AbsolutePath} got no answer within the attempt timeout of {timeout.Timeout}.",
                timeout);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ProblemResponse.ToExceptionAsync(response, TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<T> SendAsync<T>(
        HttpMethod method,
        string path,
        HttpContent? content,
        JsonTypeInfo<T> responseType,
        CancellationToken cancellationToken,
        bool repeatable = false)
    {
        using var request = Request(method, path, content, repeatable);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, responseType, cancellationToken).ConfigureAwait(false);
    }

    public async Task SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, bool repeatable = false)
    {
        using var request = Request(method, path, content, repeatable);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content, bool repeatable = false)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        if (repeatable)
        {
            request.Options.Set(RetryPipeline.Repeatable, true);
        }

        return request;
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var value = await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false);
        return value ?? throw new JsonException(
            $"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri?.AbsolutePath} had a null body where {typeof(T).Name} was expected.");
    }

    /// <summary>Walks cursor pages until the API gives no next cursor.</summary>
    public static async IAsyncEnumerable<Notification> WalkAsync(
        Func<string?, CancellationToken, Task<NotificationPage>> fetchPage,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var page = await fetchPage(cursor, cancellationToken).ConfigureAwait(false);
            foreach (var notification in page.Items)
            {
                yield return notification;
            }

            if (page.NextCursor is not null && page.NextCursor == cursor)
            {
                throw new InvalidOperationException($"The API returned cursor '{cursor}' as its own next page; stopping to avoid a loop.");
            }

            cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
        }
        while (cursor is not null);
    }

    public static string Segment(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        return Uri.EscapeDataString(value);
    }

    public void Dispose()
    {
        if (ownsHttpClient)
        {
            http.Dispose();
        }
    }
}
