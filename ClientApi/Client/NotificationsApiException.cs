using System.Net;
using System.Text;
using PaymentNotifications.Client.Models;

namespace PaymentNotifications.Client;

/// <summary>The API answered with an error; carries its RFC 9457 problem details.</summary>
public class NotificationsApiException : Exception
{
    /// <summary>The problem type when the API gave none, as RFC 9457 defines.</summary>
    public const string DefaultType = "about:blank";

    /// <summary>Creates the exception from the response status and its problem details.</summary>
    public NotificationsApiException(HttpStatusCode statusCode, ApiProblem problem, Exception? innerException = null)
        : base(Describe(statusCode, problem ?? throw new ArgumentNullException(nameof(problem))), innerException)
    {
        StatusCode = statusCode;
        Problem = problem;
    }

    /// <summary>The HTTP status code of the response.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The stable URI naming the kind of problem.</summary>
    public string Type => string.IsNullOrEmpty(Problem.Type) ? DefaultType : Problem.Type;

    /// <summary>A short summary of the kind of problem.</summary>
    public string? Title => Problem.Title;

    /// <summary>What went wrong in this occurrence.</summary>
    public string? Detail => Problem.Detail;

    /// <summary>The whole problem document.</summary>
    public ApiProblem Problem { get; }

    private static string Describe(HttpStatusCode statusCode, ApiProblem problem)
    {
        var text = new StringBuilder().Append((int)statusCode).Append(' ').Append(problem.Title ?? statusCode.ToString());
        if (!string.IsNullOrEmpty(problem.Detail))
        {
            text.Append(": ").Append(problem.Detail);
        }

        // Field names only: the messages may echo input such as phone numbers.
        if (problem.Errors is { Count: > 0 } errors)
        {
            text.Append(" (invalid: ").AppendJoin(", ", errors.Keys).Append(')');
        }

        if (!string.IsNullOrEmpty(problem.Type))
        {
            text.Append(" [").Append(problem.Type).Append(']');
        }

        return text.ToString();
    }
}

/// <summary>The request was invalid (400/422); nothing was created.</summary>
public sealed class NotificationsValidationException(HttpStatusCode statusCode, ApiProblem problem, Exception? innerException = null)
    : NotificationsApiException(statusCode, problem, innerException)
{
    /// <summary>The messages per invalid field; empty when the API named none.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Errors { get; } =
        problem.Errors ?? new Dictionary<string, IReadOnlyList<string>>();
}

/// <summary>The request conflicts with the resource's state (409), e.g. an idempotency key reused with another body.</summary>
public sealed class NotificationConflictException(HttpStatusCode statusCode, ApiProblem problem, Exception? innerException = null)
    : NotificationsApiException(statusCode, problem, innerException);

/// <summary>The resource does not exist, or belongs to another tenant (404).</summary>
public sealed class NotificationNotFoundException(HttpStatusCode statusCode, ApiProblem problem, Exception? innerException = null)
    : NotificationsApiException(statusCode, problem, innerException);

/// <summary>The caller sent too many requests (429), beyond what the client's retries absorb.</summary>
public sealed class NotificationsRateLimitedException(
    HttpStatusCode statusCode,
    ApiProblem problem,
    TimeSpan? retryAfter,
    Exception? innerException = null)
    : NotificationsApiException(statusCode, problem, innerException)
{
    /// <summary>How long the API asked to wait (the <c>Retry-After</c> header), when it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>The API key is missing or wrong (401), or may not reach this route (403).</summary>
public sealed class NotificationsAuthenticationException(HttpStatusCode statusCode, ApiProblem problem, Exception? innerException = null)
    : NotificationsApiException(statusCode, problem, innerException);
