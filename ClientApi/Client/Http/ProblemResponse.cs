using System.Net;
using System.Text.Json;
using PaymentNotifications.Client.Models;

namespace PaymentNotifications.Client.Http;

/// <summary>Turns an error response into the typed exception a caller can act on.</summary>
internal static class ProblemResponse
{
    public static async Task<NotificationsApiException> ToExceptionAsync(
        HttpResponseMessage response,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var problem = await ReadProblemAsync(response, cancellationToken).ConfigureAwait(false)
            ?? new ApiProblem { Title = response.ReasonPhrase, Status = (int)status };

        return status switch
        {
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity =>
                new NotificationsValidationException(status, problem),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                new NotificationsAuthenticationException(status, problem),
            HttpStatusCode.NotFound => new NotificationNotFoundException(status, problem),
            HttpStatusCode.Conflict => new NotificationConflictException(status, problem),
            HttpStatusCode.TooManyRequests =>
                new NotificationsRateLimitedException(status, problem, RetryAfterHeader.Read(response, timeProvider)),
            _ => new NotificationsApiException(status, problem),
        };
    }

    private static async Task<ApiProblem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is null || !(mediaType.EndsWith("/json", StringComparison.OrdinalIgnoreCase)
                                   || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync(body, ClientJsonContext.Default.ApiProblem, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (JsonException)
        {
            // A proxy's error page is no problem document; the status alone still maps to a type.
            return null;
        }
    }
}
