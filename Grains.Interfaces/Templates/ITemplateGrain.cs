using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;
using Orleans;

namespace PaymentNotifications.Grains.Interfaces.Templates;

/// <summary>One channel's template text in one locale (PUT body).</summary>
[GenerateSerializer, Immutable, Alias("template-content")]
public sealed record TemplateContent
{
    [Id(0)] public string? SmsText { get; init; }
    [Id(1)] public string? EmailSubject { get; init; }
    [Id(2)] public string? EmailText { get; init; }
    [Id(3)] public string? EmailHtml { get; init; }
    [Id(4)] public string? PushTitle { get; init; }
    [Id(5)] public string? PushBody { get; init; }
}

/// <summary>A stored template variant.</summary>
[GenerateSerializer, Immutable, Alias("template-variant")]
public sealed record TemplateVariant(Channel Channel, string Locale, TemplateContent Content, DateTimeOffset UpdatedAt);

/// <summary>A rendered message, with SMS length facts where it applies.</summary>
[GenerateSerializer, Immutable, Alias("rendered-message")]
public sealed record RenderedMessage
{
    [Id(0)] public string? Subject { get; init; }
    [Id(1)] public string? Text { get; init; }
    [Id(2)] public string? Html { get; init; }
    [Id(3)] public string? Title { get; init; }
    [Id(4)] public string? Body { get; init; }

    /// <summary>The locale actually used after fallback.</summary>
    [Id(5)] public string Locale { get; init; } = "";
    [Id(6)] public string? SmsEncoding { get; init; }
    [Id(7)] public int? SmsSegments { get; init; }
    [Id(8)] public int? SmsCharacters { get; init; }
}

/// <summary>A render or a save that failed, with field-level messages (e.g. a variable the data lacks).</summary>
[GenerateSerializer, Immutable, Alias("template-result")]
public sealed record TemplateResult(RenderedMessage? Rendered, IReadOnlyDictionary<string, string[]>? Errors);

/// <summary>A tenant's named template, keyed "{tenantId}/{name}", with a variant per channel and locale.</summary>
[Alias("template")]
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
