using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Runtime;

namespace PaymentNotifications.Grains.Interfaces.Templates;

/// <summary>One channel's template text in one locale (PUT body).</summary>
public sealed record TemplateContent
{
    public string? SmsText { get; init; }
    public string? EmailSubject { get; init; }
    public string? EmailText { get; init; }
    public string? EmailHtml { get; init; }
    public string? PushTitle { get; init; }
    public string? PushBody { get; init; }
}

/// <summary>A stored template variant.</summary>
public sealed record TemplateVariant(Channel Channel, string Locale, TemplateContent Content, DateTimeOffset UpdatedAt);

/// <summary>A rendered message, with SMS length facts where it applies.</summary>
public sealed record RenderedMessage
{
    public string? Subject { get; init; }
    public string? Text { get; init; }
    public string? Html { get; init; }
    public string? Title { get; init; }
    public string? Body { get; init; }

    /// <summary>The locale actually used after fallback.</summary>
    public string Locale { get; init; } = "";
    public string? SmsEncoding { get; init; }
    public int? SmsSegments { get; init; }
    public int? SmsCharacters { get; init; }
}

/// <summary>A render or a save that failed, with field-level messages (e.g. a variable the data lacks).</summary>
public sealed record TemplateResult(RenderedMessage? Rendered, IReadOnlyDictionary<string, string[]>? Errors);

/// <summary>A tenant's named template, keyed "{tenantId}/{name}", with a variant per channel and locale.</summary>
[GrainType("template")]
public interface ITemplateGrain : IGrainWithStringKey
{
    /// <summary>Validates and saves a variant; errors (syntax, missing fields) leave the template unchanged.</summary>
    Task<IReadOnlyDictionary<string, string[]>?> Put(Channel channel, string locale, TemplateContent content);

    Task<IReadOnlyList<TemplateVariant>> Get();

    Task<bool> Delete(Channel channel, string locale);

    /// <summary>Renders the best variant for the locale (falling back to the language, then "en") with the data.</summary>
    Task<TemplateResult> Render(Channel channel, string? locale, JsonElement? data);
}

public static class TemplateKey
{
    public static string For(string tenantId, string name) => $"{tenantId}/{name}";
}
