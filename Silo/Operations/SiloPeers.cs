using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PaymentNotifications.Api;

namespace PaymentNotifications.Silo.Operations;

/// <summary>Asks the other silos of the cluster for their own figures (GET /v1/admin/silo), with the caller's credentials.</summary>
public sealed class SiloPeers(IHttpClientFactory clients, IOptions<OperationsOptions> options, ILogger<SiloPeers> logger)
{
    public const string HttpClientName = "silo-peers";

    /// <summary>The silo's report, or null when it cannot be reached, refuses or answers garbage in time.</summary>
    public async Task<SiloReport?> AskAsync(string address, string? authorization, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(address.TrimEnd('/') + "/v1/admin/silo", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return null;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.PeerTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogDebug("Silo at {Address} answered {Status} for its figures", address, (int)response.StatusCode);
                return null;
            }
            return await response.Content.ReadFromJsonAsync(OperationsJsonContext.Default.SiloReport, timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogDebug(e, "Silo at {Address} did not give its figures", address);
            return null;
        }
    }
}
