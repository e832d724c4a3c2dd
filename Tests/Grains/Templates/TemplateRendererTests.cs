using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Templates;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Templates;

public sealed class TemplateRendererTests
{
    private static readonly TemplateRenderer Renderer = new();

    private static TemplateDefinition Sms(string text) => new() { Tenant = "acme", Type = "charge.paid", Channel = Channel.Sms, Locale = "pt-BR", SmsText = text };

    private static TemplateDefinition Email(string subject, string? text, string? html) =>
        new() { Tenant = "acme", Type = "charge.paid", Channel = Channel.Email, Locale = "en", EmailSubject = subject, EmailText = text, EmailHtml = html };

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void Sms_renders_with_json_data()
    {
        var compiled = Renderer.Compile(Sms("Pagamento de {{currency}} {{amount}} recebido ({{charge.id}})"));
        var rendered = Renderer.Render(compiled, Json("""{ "currency": "BRL", "amount": 1500.50, "charge": { "id": "8812" } }"""));
        Assert.Equal("Pagamento de BRL 1500.50 recebido (8812)", rendered.SmsText);
        Assert.Equal(Channel.Sms, rendered.Channel);
        Assert.Null(rendered.EmailHtml);
    }

    [Fact]
    public void Html_email_escapes_values_and_text_parts_do_not()
    {
        var compiled = Renderer.Compile(Email("Hi {{name}}", "Hello {{name}} & co", "<p>Hello {{name}}</p>"));
        var rendered = Renderer.Render(compiled, Json("""{ "name": "<b>Tom & \"Jerry\"</b>" }"""));
        Assert.Equal("Hi <b>Tom & \"Jerry\"</b>", rendered.EmailSubject);
        Assert.Equal("Hello <b>Tom & \"Jerry\"</b> & co", rendered.EmailText);
        Assert.Equal("<p>Hello &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;</p>", rendered.EmailHtml);
    }

    [Theory]
    [InlineData("Hi {{customer.name}}", "customer.name")]
    [InlineData("Hi {{missing}}", "missing")]
    [InlineData("{{#if vip}}VIP{{/if}}", "vip")]
    [InlineData("{{#each items}}{{sku}}{{/each}}", "sku")]
    public void A_variable_the_data_lacks_is_an_error_naming_it(string template, string variable)
    {
        var compiled = Renderer.Compile(Sms(template));
        var error = Assert.Throws<TemplateRenderException>(() =>
            Renderer.Render(compiled, Json("""{ "customer": { "id": 1 }, "items": [ { "name": "x" } ] }""")));
        Assert.Equal("smsText", error.Field);
        Assert.Equal(variable, error.MissingVariable);
        Assert.Contains(variable, error.Message);
    }

    [Fact]
    public void Null_values_are_present_and_render_empty()
    {
        var compiled = Renderer.Compile(Sms("[{{note}}]{{#if note}}!{{/if}}"));
        Assert.Equal("[]", Renderer.Render(compiled, Json("""{ "note": null }""")).SmsText);
    }

    [Fact]
    public void Blocks_lists_and_booleans_render_like_json()
    {
        var compiled = Renderer.Compile(Sms("{{#each items}}{{name}}x{{qty}};{{/each}} paid={{paid}} {{#if paid}}ok{{else}}no{{/if}} {{#unless refunded}}kept{{/unless}}"));
        var rendered = Renderer.Render(compiled, Json("""{ "items": [ { "name": "a", "qty": 2 }, { "name": "b", "qty": 1.5 } ], "paid": true, "refunded": false }"""));
        Assert.Equal("ax2;bx1.5; paid=true ok kept", rendered.SmsText);
    }

    [Fact]
    public void Numbers_do_not_depend_on_the_current_culture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("pt-BR");
            var compiled = Renderer.Compile(Sms("{{a}} {{b}}"));
            Assert.Equal("1500.5 1E+300", Renderer.Render(compiled, Json("""{ "a": 1500.5, "b": 1e300 }""")).SmsText);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Dictionary_data_renders_too()
    {
        var compiled = Renderer.Compile(new TemplateDefinition { Tenant = "acme", Type = "otp", Channel = Channel.Push, Locale = "en", PushTitle = "Code", PushBody = "{{code}} for {{user.name}} {{json.x}}" });
        var data = new Dictionary<string, object?>
        {
            ["code"] = "123456",
            ["user"] = new Dictionary<string, object?> { ["name"] = "Ann" },
            ["json"] = Json("""{ "x": [1] }"""),
        };
        var rendered = Renderer.Render(compiled, data);
        Assert.Equal("Code", rendered.PushTitle);
        Assert.StartsWith("123456 for Ann", rendered.PushBody);
    }

    [Theory]
    [InlineData("Hello {{name")]
    [InlineData("{{#if paid}}unclosed")]
    [InlineData("{{/each}}")]
    [InlineData("{{#each}}x{{/each}}")]
    [InlineData("{{!-- never closed")]
    [InlineData("{{name}}}")]
    public void Syntax_errors_are_reported_for_their_field_at_save_time(string broken)
    {
        var error = Assert.Throws<TemplateValidationException>(() => Renderer.Compile(Email("Fine {{x}}", "ok", broken)));
        var message = Assert.Single(error.Errors["emailHtml"]);
        Assert.StartsWith("Template syntax error", message);
        Assert.DoesNotContain("\n", message);
        Assert.False(error.Errors.ContainsKey("emailSubject"));
    }

    [Fact]
    public void Every_broken_field_is_reported_at_once()
    {
        var error = Assert.Throws<TemplateValidationException>(() => Renderer.Compile(Email("{{bad", "{{#if x}}", null)));
        Assert.Equal(new[] { "emailSubject", "emailText" }, error.Errors.Keys.Order());
    }

    [Fact]
    public void Channel_parts_are_required()
    {
        Assert.Contains("smsText", Assert.Throws<TemplateValidationException>(() => Renderer.Compile(Sms(" "))).Errors.Keys);
        var email = Assert.Throws<TemplateValidationException>(() => Renderer.Compile(Email("", null, null))).Errors;
        Assert.Contains("emailSubject", email.Keys);
        Assert.Contains("emailText", email.Keys);
        var push = Assert.Throws<TemplateValidationException>(() => Renderer.Compile(new TemplateDefinition { Tenant = "acme", Type = "otp", Channel = Channel.Push, Locale = "en", PushTitle = "t" })).Errors;
        Assert.Contains("pushBody", push.Keys);
    }

    [Fact]
    public void Email_needs_only_one_of_text_and_html()
    {
        Assert.Equal("<i>x</i>", Renderer.Render(Renderer.Compile(Email("s", null, "<i>x</i>")), Json("{}")).EmailHtml);
        Assert.Equal("x", Renderer.Render(Renderer.Compile(Email("s", "x", null)), Json("{}")).EmailText);
    }

    [Fact]
    public void Parts_of_other_channels_are_refused()
    {
        var definition = Sms("hi") with { EmailSubject = "subject" };
        var errors = Assert.Throws<TemplateValidationException>(() => Renderer.Compile(definition)).Errors;
        Assert.Contains("Not used by sms", errors["emailSubject"][0]);
    }

    [Theory]
    [InlineData("", "charge.paid", "en", Channel.Sms, "tenant")]
    [InlineData("acme", "Charge Paid", "en", Channel.Sms, "type")]
    [InlineData("acme", "charge.paid", "portuguese!", Channel.Sms, "locale")]
    [InlineData("acme", "charge.paid", "en", Channel.Webhook, "channel")]
    public void Identity_fields_are_validated(string tenant, string type, string locale, Channel channel, string field)
    {
        var definition = new TemplateDefinition { Tenant = tenant, Type = type, Channel = channel, Locale = locale, SmsText = "hi" };
        var errors = Assert.Throws<TemplateValidationException>(() => Renderer.Compile(definition)).Errors;
        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public void Preview_measures_the_sms()
    {
        var preview = Renderer.Preview(Renderer.Compile(Sms("Código {{code}}")), Json("""{ "code": "123" }"""));
        Assert.Equal("Código 123", preview.Content.SmsText);
        Assert.NotNull(preview.Sms);
        Assert.Equal(SmsEncoding.Ucs2, preview.Sms.Encoding);
        Assert.Equal(1, preview.Sms.Segments);

        var email = Renderer.Preview(Renderer.Compile(Email("s", "t", null)), Json("{}"));
        Assert.Null(email.Sms);
    }

    [Fact]
    public void Compiled_templates_render_concurrently()
    {
        var compiled = Renderer.Compile(Sms("{{n}}"));
        var results = Enumerable.Range(0, 200).AsParallel()
            .Select(i => (i, Renderer.Render(compiled, Json($$"""{ "n": {{i}} }""")).SmsText))
            .ToList();
        Assert.All(results, r => Assert.Equal(r.i.ToString(System.Globalization.CultureInfo.InvariantCulture), r.SmsText));
    }
}

public sealed class TemplateSubjectLineTests
{
    private static readonly TemplateRenderer Renderer = new();

    private static TemplateDefinition Email(string subject) =>
        new() { Tenant = "acme", Type = "receipt", Channel = Channel.Email, Locale = "en", EmailSubject = subject, EmailText = "Paid {{amount}}" };

    [Theory]
    [InlineData("Paid\r\nBcc: all@example.com")]
    [InlineData("Paid\nBcc: all@example.com")]
    [InlineData("Paid\u0085Bcc: all@example.com")]
    [InlineData("Paid\u2028Bcc: all@example.com")]
    public void A_subject_of_more_than_one_line_is_refused_when_saved(string subject)
    {
        var error = Assert.Throws<TemplateValidationException>(() => Renderer.Compile(Email(subject)));

        Assert.Contains("One line", Assert.Single(error.Errors["emailSubject"]));
    }

    [Theory]
    [InlineData("Ana\r\nBcc: all@example.com", "Receipt for Ana Bcc: all@example.com")]
    [InlineData("Ana\u2029\u2028\nX-Evil: 1", "Receipt for Ana X-Evil: 1")]
    [InlineData("\r\nAna\r\n", "Receipt for Ana")]
    public void Data_that_breaks_lines_renders_into_a_subject_of_one_line(string name, string expected)
    {
        var compiled = Renderer.Compile(Email("Receipt for {{name}}"));

        var rendered = Renderer.Render(compiled, new Dictionary<string, object?> { ["name"] = name, ["amount"] = "R$15" });

        Assert.Equal(expected, rendered.EmailSubject);
        Assert.True(PaymentNotifications.Grains.Channels.HeaderText.IsSingleLine(rendered.EmailSubject!));
    }
}

public sealed class RenderBudgetTests
{
    private static readonly TemplateRenderer Renderer = new();

    private static TemplateDefinition Email(string text) =>
        new() { Tenant = "acme", Type = "receipt", Channel = Channel.Email, Locale = "en", EmailSubject = "Receipt", EmailText = text };

    private static TemplateDefinition Sms(string text) => new() { Tenant = "acme", Type = "otp", Channel = Channel.Sms, Locale = "en", SmsText = text };

    [Theory]
    [InlineData("{{#each a}}{{#each b}}x{{/each}}{{/each}}")]
    [InlineData("{{#each a}}{{#if ok}}{{#each ../a}}{{this}}{{/each}}{{/if}}{{/each}}")]
    [InlineData("{{~#each a~}}{{~# each ../a~}}x{{~/each~}}{{~/each~}}")]
    [InlineData("{{#each a}}{{else}}{{#each b}}x{{/each}}{{/each}}")]
    public void An_iteration_inside_another_is_refused_when_saved(string text)
    {
        var error = Assert.Throws<TemplateValidationException>(() => Renderer.Compile(Email(text)));

        Assert.Contains("inside another {{#each}}", Assert.Single(error.Errors["emailText"]));
    }

    [Theory]
    [InlineData("{{#each a}}{{this}}{{/each}} and {{#each b}}{{this}}{{/each}}")]
    [InlineData("{{#if ok}}{{#each a}}{{#if this}}{{this}}{{/if}}{{/each}}{{/if}}")]
    [InlineData("{{#with c}}{{#each ../a}}{{this}}{{/each}}{{/with}}")]
    public void Iterations_side_by_side_or_inside_conditions_are_accepted(string text) =>
        Assert.NotNull(Renderer.Compile(Email(text)));

    [Theory]
    [InlineData("email", 600, 1_000, "emailText renders to more than 500,000 characters")]
    [InlineData("sms", 11, 1_000, "smsText renders to more than 10,000 characters")]
    public void Data_that_makes_a_part_grow_past_its_limit_stops_the_render_naming_the_part(string channel, int items, int blobLength, string expected)
    {
        var compiled = Renderer.Compile(channel == "email" ? Email("{{#each items}}{{../blob}}{{/each}}") : Sms("{{#each items}}{{../blob}}{{/each}}"));
        var data = new Dictionary<string, object?> { ["items"] = Enumerable.Range(0, items).Cast<object?>().ToList(), ["blob"] = new string('x', blobLength) };

        var error = Assert.Throws<TemplateRenderException>(() => Renderer.Render(compiled, data));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_part_just_within_its_limit_renders_whole()
    {
        var compiled = Renderer.Compile(Sms("{{#each items}}{{../blob}}{{/each}}"));
        var data = new Dictionary<string, object?> { ["items"] = Enumerable.Range(0, 10).Cast<object?>().ToList(), ["blob"] = new string('x', 1_000) };

        Assert.Equal(10_000, Renderer.Render(compiled, data).SmsText!.Length);
    }
}
