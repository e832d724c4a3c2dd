namespace PaymentNotifications.Client;

/// <summary>Where the Notifications API is, the key to call it with, and how hard to retry.</summary>
public sealed class NotificationsClientOptions
{
    /// <summary>The configuration section bound by default for the tenant client.</summary>
    public const string DefaultSectionName = "Notifications";

    /// <summary>The configuration section bound by default for the admin client.</summary>
    public const string DefaultAdminSectionName = "NotificationsAdmin";

    /// <summary>The API's absolute http(s) address, e.g. <c>https://notifications.internal/</c>. Required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The tenant key (or, for the admin client, the admin key), sent as <c>Authorization: Bearer</c>. Required.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Retries of a transient failure after the first attempt; 0 disables retrying. Default 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff delay, doubled for each further retry, with jitter. Default 500 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between attempts; a <c>Retry-After</c> above it is not waited for but surfaces as the error. Default 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one HTTP attempt may take before it is abandoned (and retried when safe); infinite disables it. Default 30 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one client call may take, retries and their delays included; infinite disables it. Default 100 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);
}
