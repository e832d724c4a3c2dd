using Microsoft.Extensions.Options;

namespace PaymentNotifications.Client;

/// <summary>Checks <see cref="NotificationsClientOptions"/> at start-up so a misconfiguration fails early with a clear message.</summary>
public sealed class NotificationsClientOptionsValidator : IValidateOptions<NotificationsClientOptions>
{
    private const int MaxRetriesLimit = 10;
    private static readonly TimeSpan MinAttemptTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan OneDay = TimeSpan.FromDays(1);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, NotificationsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Failures(options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem, if there is any.</summary>
    public static void ThrowIfInvalid(NotificationsClientOptions options, string name = "")
    {
        var result = new NotificationsClientOptionsValidator().Validate(name, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(name, typeof(NotificationsClientOptions), result.Failures);
        }
    }

    private static IEnumerable<string> Failures(NotificationsClientOptions options)
    {
        const string prefix = nameof(NotificationsClientOptions) + ".";
        if (options.BaseAddress is null)
        {
            yield return prefix + "BaseAddress is required: the absolute http(s) address of the Notifications API, e.g. https://notifications.internal/.";
        }
        else if (!options.BaseAddress.IsAbsoluteUri
                 || (options.BaseAddress.Scheme != Uri.UriSchemeHttp && options.BaseAddress.Scheme != Uri.UriSchemeHttps))
        {
            yield return prefix + $"BaseAddress must be an absolute http or https address; '{options.BaseAddress}' is not.";
        }
        else if (!string.IsNullOrEmpty(options.BaseAddress.Query) || !string.IsNullOrEmpty(options.BaseAddress.Fragment))
        {
            yield return prefix + $"BaseAddress must not have a query or fragment; '{options.BaseAddress}' has.";
        }

        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            yield return prefix + "ApiKey is required: the tenant (or admin) API key, sent as 'Authorization: Bearer <key>'.";
        }
        else if (options.ApiKey.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c > '~'))
        {
            // The key itself is never echoed.
            yield return prefix + "ApiKey must be printable ASCII without spaces; check for a stray newline or quote around it.";
        }

        if (options.MaxRetries is < 0 or > MaxRetriesLimit)
        {
            yield return prefix + $"MaxRetries must be between 0 and {MaxRetriesLimit}; it is {options.MaxRetries}.";
        }

        if (options.MaxRetryDelay <= TimeSpan.Zero || options.MaxRetryDelay > OneDay)
        {
            yield return prefix + $"MaxRetryDelay must be more than zero and at most one day; it is {options.MaxRetryDelay}.";
        }

        if (options.RetryDelay < TimeSpan.Zero || options.RetryDelay > options.MaxRetryDelay)
        {
            yield return prefix + $"RetryDelay must be between zero and MaxRetryDelay ({options.MaxRetryDelay}); it is {options.RetryDelay}.";
        }

        if (options.AttemptTimeout != System.Threading.Timeout.InfiniteTimeSpan
            && (options.AttemptTimeout < MinAttemptTimeout || options.AttemptTimeout > OneDay))
        {
            yield return prefix + $"AttemptTimeout must be between {MinAttemptTimeout.TotalMilliseconds} ms and one day, or infinite; it is {options.AttemptTimeout}.";
        }

        if (options.Timeout != System.Threading.Timeout.InfiniteTimeSpan
            && (options.Timeout <= TimeSpan.Zero || options.Timeout > OneDay))
        {
            yield return prefix + $"Timeout must be more than zero and at most one day, or infinite; it is {options.Timeout}.";
        }
    }
}
