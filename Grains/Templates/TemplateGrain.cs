using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Templates;
using PaymentNotifications.Grains.Interfaces.Tenants;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Grains.Tenants;

namespace PaymentNotifications.Grains.Templates;

/// <summary>The durable state of a named template: its variants keyed "{channel}/{locale}".</summary>
public sealed class TemplateState
{
    public int SchemaVersion { get; set; } = 1;
    public Dictionary<string, TemplateVariant> Variants { get; set; } = [];
}

/// <summary>
/// A tenant's named template. Variants are compiled when saved (syntax errors and unused or missing
/// fields are refused then) and kept compiled while the grain is active. A new template takes a place in the
/// tenant's <c>Quotas:Templates</c> and its list (<see cref="StoredItemPlace"/>), and gives it back when its last variant is deleted.
/// </summary>
[GrainType("template")]
public sealed class TemplateGrain(
    [PersistentState("template", StorageNames.Grains)] IPersistentState<TemplateState> template,
    TemplateRenderer renderer,
    IOptions<TenantQuotaOptions> quotas,
    IStoredItemIndex index,
    TimeProvider time) : Grain, ITemplateGrain
{
    private TemplateState State => template.State;

    private readonly Dictionary<string, CompiledTemplate> _compiled = new(StringComparer.Ordinal);

    public async Task<IReadOnlyDictionary<string, string[]>?> Put(Channel channel, string locale, TemplateContent content)
    {
        CompiledTemplate compiled;
        try
        {
            compiled = renderer.Compile(Definition(channel, locale, content));
        }
        catch (TemplateValidationException e)
        {
            return e.Errors;
        }
        var key = Key(channel, locale);
        var variants = quotas.Value.TemplateVariants;
        if (!State.Variants.ContainsKey(key) && State.Variants.Count >= variants)
        {
            throw new QuotaExceededException($"{TenantQuotaOptions.SectionName}:{nameof(TenantQuotaOptions.TemplateVariants)}", variants);
        }
        var isNew = State.Variants.Count == 0;
        // Not stored: the activation goes and reloads what is.
        await Place.WriteAsync(isNew, () =>
        {
            State.Variants[key] = new TemplateVariant(channel, locale, content, time.GetUtcNow());
            return template.WriteStateAsync();
        }, DeactivateOnIdle);
        _compiled[key] = compiled;
        return null;
    }

    public Task<IReadOnlyList<TemplateVariant>> Get() =>
        Task.FromResult<IReadOnlyList<TemplateVariant>>(State.Variants.Values.OrderBy(v => v.Channel).ThenBy(v => v.Locale, StringComparer.Ordinal).ToList());

    public async Task<bool> Delete(Channel channel, string locale)
    {
        var key = Key(channel, locale);
        if (!State.Variants.Remove(key))
        {
            return false;
        }
        _compiled.Remove(key);
        await template.WriteStateAsync();
        if (State.Variants.Count == 0)
        {
            await Place.GiveBackAsync();
        }
        return true;
    }

    public Task<TemplateResult> Render(Channel channel, string? locale, JsonElement? data)
    {
        var available = State.Variants.Values.Where(v => v.Channel == channel).Select(v => v.Locale).ToList();
        var chosen = LocaleFallback.Resolve(locale, available, tenantDefault: null);
        if (chosen is null)
        {
            return Task.FromResult(new TemplateResult(null, new Dictionary<string, string[]>
            {
                ["template"] = [$"Template '{Name}' has no {WireNames.Of(channel)} variant{(locale is null ? "" : $" for locale '{locale}' or its fallbacks")}."],
            }));
        }
        var key = Key(channel, chosen);
        if (!_compiled.TryGetValue(key, out var compiled))
        {
            var variant = State.Variants[key];
            compiled = renderer.Compile(Definition(variant.Channel, variant.Locale, variant.Content));
            _compiled[key] = compiled;
        }
        try
        {
            var preview = renderer.Preview(compiled, data ?? JsonDocument.Parse("{}").RootElement);
            var content = preview.Content;
            return Task.FromResult(new TemplateResult(new RenderedMessage
            {
                Subject = content.EmailSubject,
                Text = content.SmsText ?? content.EmailText,
                Html = content.EmailHtml,
                Title = content.PushTitle,
                Body = content.PushBody,
                Locale = chosen,
                SmsEncoding = preview.Sms?.Encoding.ToString().ToUpperInvariant().Replace("GSM7", "GSM-7", StringComparison.Ordinal).Replace("UCS2", "UCS-2", StringComparison.Ordinal),
                SmsSegments = preview.Sms?.Segments,
                SmsCharacters = preview.Sms?.Characters,
            }, null));
        }
        catch (TemplateRenderException e)
        {
            return Task.FromResult(new TemplateResult(null, new Dictionary<string, string[]> { [$"data{(e.MissingVariable is null ? "" : "." + e.MissingVariable)}"] = [e.Message] }));
        }
    }

    private StoredItemPlace Place => new(GrainFactory, index, StoredKind.Templates, this.GetPrimaryKeyString());

    private string Name => TenantScopedKey.NameOf(this.GetPrimaryKeyString());

    private string Tenant => TenantScopedKey.TenantOf(this.GetPrimaryKeyString());

    private TemplateDefinition Definition(Channel channel, string locale, TemplateContent content) => new()
    {
        Tenant = Tenant,
        Type = Name,
        Channel = channel,
        Locale = locale,
        SmsText = content.SmsText,
        EmailSubject = content.EmailSubject,
        EmailText = content.EmailText,
        EmailHtml = content.EmailHtml,
        PushTitle = content.PushTitle,
        PushBody = content.PushBody,
    };

    private static string Key(Channel channel, string locale) => $"{WireNames.Of(channel)}/{locale}";
}
