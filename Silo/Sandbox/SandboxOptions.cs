namespace PaymentNotifications.Silo.Sandbox;

/// <summary>Settings of the sandbox providers.</summary>
public sealed class SandboxOptions
{
    /// <summary>Seed of the fault-injection dice, for repeatable runs. Default none (a new seed each run).</summary>
    public int? RandomSeed { get; set; }

    /// <summary>URL the SendGrid sandbox posts signed Event Webhook events (bounces) to. Default none (no events).</summary>
    public string? SendGridEventWebhookUrl { get; set; }

    /// <summary>How long a timeout fault holds a request before answering after all. Default 2 minutes.</summary>
    public TimeSpan HangLimit { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Lifetime of the FCM sandbox's access tokens. Default 1 hour, as Google's.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);
}
