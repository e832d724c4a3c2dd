using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PaymentNotifications.Api;

/// <summary>
/// The API's RFC 9457 problem types: stable type URIs (relative references) and one factory per
/// kind of error, so every route answers the same way.
/// </summary>
public static class ApiProblems
{
    public const string ValidationFailed = "/problems/validation-failed";
    public const string MalformedRequest = "/problems/malformed-request";
    public const string Unauthorized = "/problems/unauthorized";
    public const string Forbidden = "/problems/forbidden";
    public const string NotFound = "/problems/not-found";
    public const string IdempotencyConflict = "/problems/idempotency-conflict";
    public const string InvalidState = "/problems/invalid-state";
    public const string ContentRemoved = "/problems/content-removed";
    public const string NameTaken = "/problems/name-taken";
    public const string PayloadTooLarge = "/problems/payload-too-large";
    public const string RateLimited = "/problems/rate-limited";
    public const string QuotaExceeded = "/problems/quota-exceeded";
    public const string Unavailable = "/problems/unavailable";
    public const string StorageUnavailable = "/problems/storage-unavailable";
    public const string Internal = "/problems/internal-error";

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Type = ValidationFailed,
            Title = "The request is not valid.",
            Status = StatusCodes.Status400BadRequest,
            Detail = $"Fix {string.Join(", ", errors.Keys.Order(StringComparer.Ordinal))} (see errors); nothing was created or changed.",
        });

    public static ProblemHttpResult Validation(string field, string message) => Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult Malformed(string detail) =>
        Problem(StatusCodes.Status400BadRequest, MalformedRequest, "The request body could not be read.", detail);

    /// <summary>413 naming the configured limit.</summary>
    public static ProblemHttpResult TooLarge(HttpContext context)
    {
        var limit = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        return Problem(StatusCodes.Status413PayloadTooLarge, PayloadTooLarge, "The request body is too large.",
            $"Bodies are limited to {limit} bytes (Api:MaxRequestBodyBytes); nothing was created or changed.");
    }

    /// <summary>429 with <c>Retry-After</c> in whole seconds (rounded up, at least 1); <paramref name="limit"/> says which limit refused.</summary>
    public static ProblemHttpResult TooManyRequests(HttpResponse response, TimeSpan retryAfter, string limit)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status429TooManyRequests, RateLimited, "Too many requests.", $"{limit}; retry after {seconds} s.");
    }

    /// <summary>400 for a body sent to a route that takes none.</summary>
    public static ProblemHttpResult UnexpectedBody() =>
        Malformed("This route takes no request body; send the request without one.");

    public static ProblemHttpResult NotFoundProblem(string detail) =>
        Problem(StatusCodes.Status404NotFound, NotFound, "Not found.", detail);

    /// <summary>409 naming the quota the tenant is at, with its key and limit as members.</summary>
    public static ProblemHttpResult OverQuota(Grains.Interfaces.Tenants.QuotaExceededException e) =>
        Conflict(QuotaExceeded, "The tenant is at a quota.",
            $"This tenant may store at most {e.Limit} ({e.Quota}); delete what it no longer needs, or ask an operator to raise {e.Quota}. Nothing was stored.",
            new Dictionary<string, object?> { ["quota"] = e.Quota, ["limit"] = e.Limit });

    public static ProblemHttpResult Conflict(string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Problem(StatusCodes.Status409Conflict, type, title, detail, extensions);

    public static ProblemHttpResult Problem(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: type, extensions: extensions);
}
