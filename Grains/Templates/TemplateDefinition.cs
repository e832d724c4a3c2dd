using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.Grains.Templates;

/// <summary>A tenant's message template for one notification type, channel and locale (Handlebars syntax).</summary>
/// <remarks>
/// Which parts a channel uses: sms - <see cref="SmsText"/>; email - <see cref="EmailSubject"/> and at least one of
/// <see cref="EmailText"/> and <see cref="EmailHtml"/>; push - <see cref="PushBody"/> and optionally <see cref="PushTitle"/>.
/// Webhooks have no templates: they send the notification's data as is.
/// </remarks>
public sealed record TemplateDefinition
{
    /// <summary>The owning tenant.</summary>
    public required string Tenant { get; init; }

    /// <summary>The notification type, e.g. "charge.paid".</summary>
    public required string Type { get; init; }

    /// <summary>The channel the template renders for.</summary>
    public required Channel Channel { get; init; }

    /// <summary>The locale, e.g. "pt-BR" or "en".</summary>
    public required string Locale { get; init; }

    /// <summary>SMS body (plain text).</summary>
    public string? SmsText { get; init; }

    /// <summary>Email subject (plain text).</summary>
    public string? EmailSubject { get; init; }

    /// <summary>Email plain-text body.</summary>
    public string? EmailText { get; init; }

    /// <summary>Email HTML body; data values are HTML-escaped in it.</summary>
    public string? EmailHtml { get; init; }

    /// <summary>Push notification title (plain text).</summary>
    public string? PushTitle { get; init; }

    /// <summary>Push notification body (plain text).</summary>
    public string? PushBody { get; init; }
}

/// <summary>A template rendered with a notification's data; parts the channel does not use are null.</summary>
public sealed record RenderedTemplate(
    Channel Channel,
    string? SmsText = null,
    string? EmailSubject = null,
    string? EmailText = null,
    string? EmailHtml = null,
    string? PushTitle = null,
    string? PushBody = null);

/// <summary>A rendered template with its SMS size when the channel is SMS, for previews.</summary>
public sealed record TemplatePreview(RenderedTemplate Content, SmsSegmentInfo? Sms);

/// <summary>A template was refused when saved; <see cref="Errors"/> maps each field (camelCase) to what is wrong with it.</summary>
public sealed class TemplateValidationException : Exception
{
    /// <summary>Creates the exception from field-level errors.</summary>
    public TemplateValidationException(IReadOnlyDictionary<string, string[]> errors)
        : base("The template is invalid: " + string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")))
    {
        Errors = errors;
    }

    /// <summary>Field to messages, e.g. "smsText" to ["Template syntax error: ..."].</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }
}

/// <summary>A template could not be rendered with the given data, typically because a variable is missing.</summary>
public sealed class TemplateRenderException : Exception
{
    /// <summary>Creates the exception for <paramref name="field"/>.</summary>
    public TemplateRenderException(string field, string? missingVariable, string message, Exception? inner = null)
        : base(message, inner)
    {
        Field = field;
        MissingVariable = missingVariable;
    }

    /// <summary>The template part that failed, e.g. "emailHtml".</summary>
    public string Field { get; }

    /// <summary>The variable path the data lacks, e.g. "customer.name"; null for other failures.</summary>
    public string? MissingVariable { get; }
}
