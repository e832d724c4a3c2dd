using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using HandlebarsDotNet;
using HandlebarsDotNet.Compiler;
using HandlebarsDotNet.IO;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Channels;

namespace PaymentNotifications.Grains.Templates;

/// <summary>A template whose parts compiled; render it with <see cref="TemplateRenderer.Render(CompiledTemplate, JsonElement)"/>.</summary>
public sealed class CompiledTemplate
{
    internal CompiledTemplate(TemplateDefinition definition, IReadOnlyDictionary<string, HandlebarsTemplate<TextWriter, object, object>> parts)
    {
        Definition = definition;
        Parts = parts;
    }

    /// <summary>The definition this was compiled from.</summary>
    public TemplateDefinition Definition { get; }

    internal IReadOnlyDictionary<string, HandlebarsTemplate<TextWriter, object, object>> Parts { get; }
}

/// <summary>Compiles and renders <see cref="TemplateDefinition"/>s with Handlebars.</summary>
/// <remarks>
/// Strict: every variable a template uses must exist in the data (a null value is fine and renders empty),
/// including variables only tested by <c>{{#if}}</c>; otherwise rendering fails naming the variable. The HTML
/// email part escapes values; text parts (SMS, subjects, plain-text email, push) do not. Numbers use the
/// invariant culture and booleans render as "true"/"false", as in JSON. Thread-safe; keep one instance.
/// </remarks>
public sealed partial class TemplateRenderer
{
    /// <summary>Longest template part accepted, in characters.</summary>
    public const int MaxPartLength = 100_000;

    private readonly IHandlebars _text;
    private readonly IHandlebars _html;

    /// <summary>Creates a renderer.</summary>
    public TemplateRenderer()
    {
        _text = Handlebars.Create(Configure(noEscape: true));
        _html = Handlebars.Create(Configure(noEscape: false));
    }

    /// <summary>Validates and compiles a template, as done when it is saved.</summary>
    /// <exception cref="TemplateValidationException">A field is missing, not used by the channel, or has a syntax error.</exception>
    public CompiledTemplate Compile(TemplateDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var errors = new Dictionary<string, string[]>();
        CheckIdentity(definition, errors);

        var parts = new Dictionary<string, HandlebarsTemplate<TextWriter, object, object>>();
        var fields = Fields(definition);
        var used = UsedFields(definition.Channel);
        foreach (var (field, source) in fields)
        {
            if (source is null)
            {
                continue;
            }

            if (!used.Contains(field))
            {
                errors[field] = [$"Not used by {ChannelName(definition.Channel)} templates."];
                continue;
            }

            if (source.Length > MaxPartLength)
            {
                errors[field] = [$"At most {MaxPartLength} characters."];
                continue;
            }

            if (field == "emailSubject" && !HeaderText.IsSingleLine(source))
            {
                errors[field] = [HeaderText.Rule];
                continue;
            }

            if (RenderBudget.NestedIteration(source) is { } nested)
            {
                errors[field] = [nested];
                continue;
            }

            try
            {
                using var reader = new StringReader(source);
                parts[field] = (field == "emailHtml" ? _html : _text).Compile(reader);
            }
            // The parser reports some malformed input as InvalidOperationException rather than HandlebarsException.
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                errors[field] = ["Template syntax error: " + OneLine(e.Message)];
            }
        }

        RequireParts(definition, errors);
        if (errors.Count > 0)
        {
            throw new TemplateValidationException(errors);
        }

        return new CompiledTemplate(definition, parts);
    }

    /// <summary>Renders with a JSON object as data.</summary>
    /// <exception cref="TemplateRenderException">A variable is missing from the data, or rendering failed.</exception>
    public RenderedTemplate Render(CompiledTemplate template, JsonElement data) =>
        Render(template, FromJson(data) ?? new Dictionary<string, object?>());

    /// <summary>Renders with a dictionary as data; values may be primitives, dictionaries, lists or <see cref="JsonElement"/>s.</summary>
    /// <exception cref="TemplateRenderException">A variable is missing from the data, or rendering failed.</exception>
    public RenderedTemplate Render(CompiledTemplate template, IReadOnlyDictionary<string, object?> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Render(template, (object)Normalize(data));
    }

    /// <summary>Renders with a JSON object as data and measures the SMS text when the channel is SMS.</summary>
    /// <exception cref="TemplateRenderException">A variable is missing from the data, or rendering failed.</exception>
    public TemplatePreview Preview(CompiledTemplate template, JsonElement data)
    {
        var content = Render(template, data);
        return new TemplatePreview(content, content.SmsText is { } sms ? SmsSegments.Measure(sms) : null);
    }

    private RenderedTemplate Render(CompiledTemplate template, object data)
    {
        ArgumentNullException.ThrowIfNull(template);
        string? Part(string field)
        {
            if (!template.Parts.TryGetValue(field, out var compiled))
            {
                return null;
            }

            var output = new RenderBudget.Writer(field);
            try
            {
                compiled(output, data);
                return output.ToString();
            }
            catch (RenderBudget.ExceededException e)
            {
                throw new TemplateRenderException(field, null, e.Message, e);
            }
            catch (HandlebarsUndefinedBindingException e)
            {
                var variable = e.Path?.TrimStart('#', '/') ?? e.MissingKey;
                throw new TemplateRenderException(field, variable, $"The data has no \"{variable}\", which {field} uses.", e);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new TemplateRenderException(field, null, $"{field} could not be rendered: {OneLine(e.Message)}", e);
            }
        }

        return new RenderedTemplate(
            template.Definition.Channel,
            Part("smsText"),
            Part("emailSubject") is { } subject ? HeaderText.ToSingleLine(subject) : null,
            Part("emailText"),
            Part("emailHtml"),
            Part("pushTitle"),
            Part("pushBody"));
    }

    private static HandlebarsConfiguration Configure(bool noEscape)
    {
        var configuration = new HandlebarsConfiguration
        {
            ThrowOnUnresolvedBindingExpression = true,
            NoEscape = noEscape,
            FormatProvider = CultureInfo.InvariantCulture,
        };
        configuration.FormatterProviders.Add(new JsonBooleanFormatter());
        return configuration;
    }

    private static void CheckIdentity(TemplateDefinition definition, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(definition.Tenant))
        {
            errors["tenant"] = ["A tenant is required."];
        }

        if (string.IsNullOrEmpty(definition.Type) || definition.Type.Length > 100 || !TypePattern().IsMatch(definition.Type))
        {
            errors["type"] = ["1 to 100 characters of a-z, 0-9, '.', '_' and '-'."];
        }

        if (string.IsNullOrEmpty(definition.Locale) || !LocalePattern().IsMatch(definition.Locale))
        {
            errors["locale"] = ["A language tag such as \"en\" or \"pt-BR\"."];
        }

        if (definition.Channel == Channel.Webhook || !Enum.IsDefined(definition.Channel))
        {
            errors["channel"] = ["Templates are for sms, email or push; webhooks send the data as is."];
        }
    }

    private static void RequireParts(TemplateDefinition d, Dictionary<string, string[]> errors)
    {
        void Require(string field, string? value)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.TryAdd(field, ["Required for " + ChannelName(d.Channel) + " templates."]);
            }
        }

        switch (d.Channel)
        {
            case Channel.Sms:
                Require("smsText", d.SmsText);
                break;
            case Channel.Email:
                Require("emailSubject", d.EmailSubject);
                if (string.IsNullOrWhiteSpace(d.EmailText) && string.IsNullOrWhiteSpace(d.EmailHtml))
                {
                    errors.TryAdd("emailText", ["An email template needs a text or an HTML body."]);
                }

                break;
            case Channel.Push:
                Require("pushBody", d.PushBody);
                break;
        }
    }

    private static (string Field, string? Source)[] Fields(TemplateDefinition d) =>
    [
        ("smsText", d.SmsText),
        ("emailSubject", d.EmailSubject),
        ("emailText", d.EmailText),
        ("emailHtml", d.EmailHtml),
        ("pushTitle", d.PushTitle),
        ("pushBody", d.PushBody),
    ];

    private static HashSet<string> UsedFields(Channel channel) => channel switch
    {
        Channel.Sms => ["smsText"],
        Channel.Email => ["emailSubject", "emailText", "emailHtml"],
        Channel.Push => ["pushTitle", "pushBody"],
        _ => [],
    };

    private static string ChannelName(Channel channel) => channel switch
    {
        Channel.Sms => "sms",
        Channel.Email => "email",
        Channel.Push => "push",
        _ => "webhook",
    };

    private static string OneLine(string message) => WhitespaceRun().Replace(message, " ").Trim();

    private static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Aggregate(
            new Dictionary<string, object?>(StringComparer.Ordinal),
            (map, property) =>
            {
                map[property.Name] = FromJson(property.Value);
                return map;
            }),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l
            : element.TryGetDecimal(out var m) ? m
            : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static Dictionary<string, object?> Normalize(IReadOnlyDictionary<string, object?> data) =>
        data.ToDictionary(pair => pair.Key, pair => NormalizeValue(pair.Value), StringComparer.Ordinal);

    private static object? NormalizeValue(object? value) => value switch
    {
        JsonElement element => FromJson(element),
        IReadOnlyDictionary<string, object?> map => Normalize(map),
        string s => s,
        System.Collections.IEnumerable list and not System.Collections.IDictionary => list.Cast<object?>().Select(NormalizeValue).ToList(),
        _ => value,
    };

    [GeneratedRegex(@"^[a-z0-9._-]+\z")]
    private static partial Regex TypePattern();

    [GeneratedRegex(@"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*\z")]
    private static partial Regex LocalePattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRun();

    /// <summary>Writes booleans as JSON does ("true", "false") instead of .NET's "True".</summary>
    private sealed class JsonBooleanFormatter : IFormatterProvider, IFormatter
    {
        public bool TryCreateFormatter(Type type, out IFormatter formatter)
        {
            formatter = this;
            return type == typeof(bool);
        }

        public void Format<T>(T value, in EncodedTextWriter writer) =>
            writer.Write(value is true ? "true" : "false", false);
    }
}
