using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Grains.Tenants;

/// <summary>The most a tenant may store; bound from "Quotas". Over a limit, a store is refused with 409 and nothing changes.</summary>
public sealed class TenantQuotaOptions
{
    public const string SectionName = "Quotas";

    /// <summary>Named templates per tenant (<c>Quotas:Templates</c>, default 1000).</summary>
    public int Templates { get; set; } = 1000;

    /// <summary>Variants (channel and locale) per template (<c>Quotas:TemplateVariants</c>, default 100).</summary>
    public int TemplateVariants { get; set; } = 100;

    /// <summary>Merchant webhook endpoints per tenant (<c>Quotas:WebhookEndpoints</c>, default 100000).</summary>
    public int WebhookEndpoints { get; set; } = 100_000;

    /// <summary>Users with stored preferences per tenant (<c>Quotas:Users</c>, default 1000000).</summary>
    public int Users { get; set; } = 1_000_000;

    public int LimitOf(StoredKind kind) => kind switch
    {
        StoredKind.Templates => Templates,
        StoredKind.WebhookEndpoints => WebhookEndpoints,
        _ => Users,
    };

    public static string KeyOf(StoredKind kind) => $"{SectionName}:{kind}";

    public IReadOnlyList<string> Validate() =>
        new[] { ("Templates", Templates), ("TemplateVariants", TemplateVariants), ("WebhookEndpoints", WebhookEndpoints), ("Users", Users) }
            .Where(q => q.Item2 < 1)
            .Select(q => $"{SectionName}:{q.Item1} must be a whole number of at least 1.")
            .ToList();
}
