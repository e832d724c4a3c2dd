using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>
/// Bad input at every kind of route gets a 4xx problem with a stable type (and the field, for validation),
/// and leaves storage as it was.
/// </summary>
public sealed class BadInputTests(ITestOutputHelper output)
{
    private const string Validation = "/problems/validation-failed";
    private const string Malformed = "/problems/malformed-request";
    private const string TooLarge = "/problems/payload-too-large";

    /// <summary>One bad request: what it is, how to send it, and the answer it must get.</summary>
    internal sealed record BadInput(string Name, Func<ApiScenario, HttpRequestMessage> Request, int Status, string Type, string? Field = null,
        Func<ApiScenario, HttpClient>? Client = null);

    private static JsonObject Webhook(string key = "bad-input") => new()
    {
        ["idempotencyKey"] = key,
        ["type"] = "charge.paid",
        ["channel"] = "webhook",
        ["recipient"] = new JsonObject { ["merchantId"] = ApiScenario.MerchantId },
        ["data"] = new JsonObject { ["chargeId"] = "8812", ["amount"] = 1500 },
    };

    private static JsonObject Sms(string phone = "+5511912345678") => new()
    {
        ["idempotencyKey"] = "sms-bad-input",
        ["type"] = "otp",
        ["channel"] = "sms",
        ["priority"] = "critical",
        ["recipient"] = new JsonObject { ["userId"] = "u-1", ["phone"] = phone },
        ["content"] = new JsonObject { ["text"] = "Your code is 123456" },
    };

    private static JsonObject Email(string subject) => new()
    {
        ["idempotencyKey"] = "email-bad-input",
        ["type"] = "receipt",
        ["channel"] = "email",
        ["recipient"] = new JsonObject { ["userId"] = "u-1", ["email"] = "ana@example.com" },
        ["content"] = new JsonObject { ["subject"] = subject, ["text"] = "Paid" },
    };

    // Characters that end a line in some mail stack, and a control character: each could start a header of its own.
    private static readonly (string Name, string Text)[] HeaderBreaks =
        [("CR LF", "\r\n"), ("LF", "\n"), ("CR", "\r"), ("NEL U+0085", "\u0085"), ("LINE SEPARATOR U+2028", "\u2028"), ("PARAGRAPH SEPARATOR U+2029", "\u2029"), ("tab", "\t")];

    // The lists of what a tenant stores, paged by ?limit=&cursor= like the notifications' list.
    private static readonly string[] StoredLists = ["/v1/templates", "/v1/merchants", "/v1/users"];

    private static JsonObject With(JsonObject body, string path, JsonNode? value)
    {
        var copy = body.DeepClone().AsObject();
        var parts = path.Split('.');
        var target = copy;
        foreach (var part in parts[..^1])
        {
            target = target[part]!.AsObject();
        }
        target[parts[^1]] = value;
        return copy;
    }

    private static Func<ApiScenario, HttpRequestMessage> Send(HttpMethod method, string path, string? body, string? contentType = "application/json") => _ =>
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue(contentType);
            }
        }
        return request;
    };

    private static System.Net.Http.Headers.MediaTypeHeaderValue MediaTypeHeaderValue(string text) => System.Net.Http.Headers.MediaTypeHeaderValue.Parse(text);

    private static Func<ApiScenario, HttpRequestMessage> Submit(JsonNode body) => Send(HttpMethod.Post, "/v1/notifications", body.ToJsonString());

    private static Func<ApiScenario, HttpRequestMessage> SubmitBytes(byte[] body, bool chunked = false) => _ => new HttpRequestMessage(HttpMethod.Post, "/v1/notifications")
    {
        Content = Json(chunked ? new StreamContent(new UnknownLengthStream(body)) : new ByteArrayContent(body)),
    };

    private static HttpContent Json(HttpContent content)
    {
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }

    private static Func<ApiScenario, HttpRequestMessage> PutEndpoint(string body, string merchantId = ApiScenario.MerchantId) =>
        Send(HttpMethod.Put, $"/v1/merchants/{merchantId}/webhook-endpoint", body);

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonObject { ["leaf"] = 1 };
        for (var i = 1; i < depth; i++)
        {
            node = new JsonObject { ["n"] = node };
        }
        return node;
    }

    private static string NestedText(int depth) => string.Concat(Enumerable.Repeat("{\"n\":", depth)) + "1" + new string('}', depth);

    internal static readonly BadInput[] Cases =
    [
        // Body shape and transport
        new("empty body", Send(HttpMethod.Post, "/v1/notifications", ""), 400, Malformed),
        new("JSON null", Send(HttpMethod.Post, "/v1/notifications", "null"), 400, Malformed),
        new("JSON array", Send(HttpMethod.Post, "/v1/notifications", "[]"), 400, Malformed),
        new("JSON string", Send(HttpMethod.Post, "/v1/notifications", "\"hello\""), 400, Malformed),
        new("truncated JSON", Send(HttpMethod.Post, "/v1/notifications", "{\"idempotencyKey\": "), 400, Malformed),
        new("trailing comma", Send(HttpMethod.Post, "/v1/notifications", "{\"type\":\"a\",}"), 400, Malformed),
        new("duplicate property", Send(HttpMethod.Post, "/v1/notifications", "{\"type\":\"a\",\"type\":\"b\"}"), 400, Malformed),
        new("text/plain content type", Send(HttpMethod.Post, "/v1/notifications", Webhook().ToJsonString(), "text/plain"), 400, Malformed),
        new("no content type", Send(HttpMethod.Post, "/v1/notifications", Webhook().ToJsonString(), null), 400, Malformed),
        new("application/xml content type", Send(HttpMethod.Post, "/v1/notifications", "<n/>", "application/xml"), 400, Malformed),
        new("form content type", Send(HttpMethod.Post, "/v1/notifications", "type=charge.paid", "application/x-www-form-urlencoded"), 400, Malformed),
        new("invalid UTF-8 in a string", SubmitBytes([.. "{\"idempotencyKey\":\"k"u8, 0xFF, 0xFE, .. "\",\"type\":\"a\"}"u8]), 400, Malformed),
        new("invalid UTF-8 outside strings", SubmitBytes([0xC3, 0x28, .. "{}"u8]), 400, Malformed),
        new("UTF-16 body", _ => new HttpRequestMessage(HttpMethod.Post, "/v1/notifications")
        {
            Content = new StringContent(Webhook().ToJsonString(), Encoding.Unicode, "application/json"),
        }, 400, Malformed),
        new("nesting deeper than the parser allows (100)", Send(HttpMethod.Post, "/v1/notifications",
            Webhook().ToJsonString().TrimEnd('}') + ",\"template\":null,\"sendAt\":null,\"content\":null,\"priority\":null,\"extra\":" + NestedText(100) + "}"), 400, Malformed),
        new("body over 256 KiB with Content-Length", Submit(With(Webhook(), "data", new JsonObject { ["blob"] = new string('x', 300_000) })), 413, TooLarge),
        new("chunked body over 256 KiB", SubmitBytes(Encoding.UTF8.GetBytes(With(Webhook(), "data", new JsonObject { ["blob"] = new string('x', 300_000) }).ToJsonString()), chunked: true),
            413, TooLarge),

        // Wrong types
        new("channel is a number", Submit(With(Webhook(), "channel", 5)), 400, Malformed),
        new("recipient is a string", Submit(With(Webhook(), "recipient", "m-42")), 400, Malformed),
        new("sendAt is not a time", Submit(With(Webhook(), "sendAt", "tomorrow")), 400, Malformed),
        new("idempotencyKey is an object", Submit(With(Webhook(), "idempotencyKey", new JsonObject())), 400, Malformed),
        new("data is an array", Submit(With(Webhook(), "data", new JsonArray(1, 2))), 400, Validation, "data"),
        new("data is a string", Submit(With(Webhook(), "data", "chargeId=8812")), 400, Validation, "data"),

        // Field rules
        .. HeaderBreaks.Select(b => new BadInput($"email subject with {b.Name}",
            Submit(Email("Payment received" + b.Text + "Bcc: all@example.com")), 400, Validation, "content.subject")),
        new("unknown field", Submit(With(Webhook(), "recipent", new JsonObject { ["merchantId"] = "m-42" })), 400, Malformed),
        new("empty object", Send(HttpMethod.Post, "/v1/notifications", "{}"), 400, Validation, "channel"),
        new("unknown channel", Submit(With(Webhook(), "channel", "fax")), 400, Validation, "channel"),
        new("channel in capitals", Submit(With(Webhook(), "channel", "WEBHOOK")), 400, Validation, "channel"),
        new("unknown priority", Submit(With(Webhook(), "priority", "urgent")), 400, Validation, "priority"),
        new("missing type", Submit(With(Webhook(), "type", null)), 400, Validation, "type"),
        new("type with spaces and capitals", Submit(With(Webhook(), "type", "Charge Paid")), 400, Validation, "type"),
        new("type of 101 characters", Submit(With(Webhook(), "type", new string('a', 101))), 400, Validation, "type"),
        new("idempotency key of 201 characters", Submit(With(Webhook(), "idempotencyKey", new string('k', 201))), 400, Validation, "idempotencyKey"),
        new("idempotency key with a control character", Submit(With(Webhook(), "idempotencyKey", "key\u0001")), 400, Validation, "idempotencyKey"),
        new("idempotency key header differs from the body", s =>
        {
            var request = Submit(Webhook())(s);
            request.Headers.Add("Idempotency-Key", "another-key");
            return request;
        }, 400, Validation, "idempotencyKey"),
        new("webhook without merchantId", Submit(With(Webhook(), "recipient", new JsonObject())), 400, Validation, "recipient.merchantId"),
        new("merchantId with a space", Submit(With(Webhook(), "recipient.merchantId", "m 42")), 400, Validation, "recipient.merchantId"),
        new("webhook with inline content", Submit(With(Webhook(), "content", new JsonObject { ["text"] = "hi" })), 400, Validation, "content"),
        new("webhook with a template", Submit(With(Webhook(), "template", "receipt")), 400, Validation, "template"),
        new("phone without +", Submit(Sms("5511912345678")), 400, Validation, "recipient.phone"),
        new("phone with spaces", Submit(Sms("+55 11 91234-5678")), 400, Validation, "recipient.phone"),
        new("phone too short", Submit(Sms("+1234567")), 400, Validation, "recipient.phone"),
        new("phone with Arabic-Indic digits", Submit(Sms("+٥٥١١٩١٢٣٤٥٦٧٨")), 400, Validation, "recipient.phone"),
        new("sms without content or template", Submit(With(Sms(), "content", null)), 400, Validation, "content"),
        new("sms text of 40000 characters", Submit(With(Sms(), "content.text", new string('x', 40_000))), 400, Validation, "content.text"),
        new("email without @", Submit(With(With(Sms(), "channel", "email"), "recipient", new JsonObject { ["email"] = "ana.example.com" })), 400, Validation,
            "recipient.email"),
        new("email with a display name", Submit(With(With(Sms(), "channel", "email"), "recipient", new JsonObject { ["email"] = "Ana <ana@example.com>" })), 400,
            Validation, "recipient.email"),
        new("email domain without a dot", Submit(With(With(Sms(), "channel", "email"), "recipient", new JsonObject { ["email"] = "ana@example" })), 400,
            Validation, "recipient.email"),
        new("push with an unknown platform", Submit(With(With(Sms(), "channel", "push"), "recipient", new JsonObject { ["deviceToken"] = "tok", ["platform"] = "windows" })),
            400, Validation, "recipient.platform"),
        new("sendAt 31 days ahead", Submit(With(Webhook(), "sendAt", DateTimeOffset.UtcNow.AddDays(31).ToString("O"))), 400, Validation, "sendAt"),
        new("sendAt an hour ago", Submit(With(Webhook(), "sendAt", DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))), 400, Validation, "sendAt"),
        new("data nested 11 levels", Submit(With(Webhook(), "data", Nested(11))), 400, Validation, "data"),
        new("data over 64 KiB", Submit(With(Webhook(), "data", new JsonObject { ["blob"] = new string('x', 70_000) })), 400, Validation, "data"),

        // Webhook endpoints
        new("endpoint URL not absolute", PutEndpoint("{\"url\":\"shop.example/hooks\"}"), 400, Validation, "url"),
        new("endpoint URL with ftp scheme", PutEndpoint("{\"url\":\"ftp://shop.example/hooks\"}"), 400, Validation, "url"),
        new("endpoint URL with credentials", PutEndpoint("{\"url\":\"https://user:pw@shop.example/hooks\"}"), 400, Validation, "url"),
        new("endpoint URL in a private network", PutEndpoint("{\"url\":\"http://10.1.2.3/hooks\"}"), 400, Validation, "url"),
        new("endpoint URL at link-local metadata address", PutEndpoint("{\"url\":\"http://169.254.169.254/latest\"}"), 400, Validation, "url"),
        new("endpoint URL of 3000 characters", PutEndpoint($"{{\"url\":\"https://shop.example/{new string('a', 3000)}\"}}"), 400, Validation, "url"),
        new("endpoint URL is a number", PutEndpoint("{\"url\":42}"), 400, Malformed),
        new("endpoint secret too short", PutEndpoint("{\"url\":\"https://shop.example/hooks\",\"secret\":\"whsec_c2hvcnQ=\"}"), 400, Validation, "secret"),
        new("endpoint event type with capitals", PutEndpoint("{\"url\":\"https://shop.example/hooks\",\"eventTypes\":[\"ok\",\"Not OK\"]}"), 400, Validation,
            "eventTypes[1]"),
        new("endpoint with 101 event types", PutEndpoint($"{{\"url\":\"https://shop.example/hooks\",\"eventTypes\":[{string.Join(',', Enumerable.Range(0, 101).Select(i => $"\"t{i}\""))}]}}"),
            400, Validation, "eventTypes"),
        new("merchant id with a space in the path", PutEndpoint("{\"url\":\"https://shop.example/hooks\"}", "m%2042"), 400, Validation, "merchantId"),
        new("body sent to rotate-secret", Send(HttpMethod.Post, $"/v1/merchants/{ApiScenario.MerchantId}/webhook-endpoint/rotate-secret", "{}"), 400, Malformed),

        // Commands and queries
        new("body sent to cancel", s => Send(HttpMethod.Post, $"/v1/notifications/{s.NotificationId}/cancel", "{\"reason\":\"x\"}")(s), 400, Malformed),
        new("cancel of a delivered notification", s => Send(HttpMethod.Post, $"/v1/notifications/{s.NotificationId}/cancel", null)(s), 409, "/problems/invalid-state"),
        new("retry of a delivered notification", s => Send(HttpMethod.Post, $"/v1/notifications/{s.NotificationId}/retry", null)(s), 409, "/problems/invalid-state"),
        new("same key with another body", Submit(With(Webhook("owner-private-key"), "data", new JsonObject { ["chargeId"] = "other" })), 409,
            "/problems/idempotency-conflict"),
        new("malformed notification id", Send(HttpMethod.Get, "/v1/notifications/not-an-id", null), 404, "/problems/not-found"),
        new("list with limit 0", Send(HttpMethod.Get, "/v1/notifications?limit=0", null), 400, Validation, "limit"),
        new("list with limit abc", Send(HttpMethod.Get, "/v1/notifications?limit=abc", null), 400, Validation, "limit"),
        new("list with a forged cursor", Send(HttpMethod.Get, "/v1/notifications?cursor=bm90LWEtY3Vyc29y", null), 400, Validation, "cursor"),
        new("list with an unknown state", Send(HttpMethod.Get, "/v1/notifications?state=DONE", null), 400, Validation, "state"),
        new("list with a bad type", Send(HttpMethod.Get, "/v1/notifications?type=Not%20A%20Type", null), 400, Validation, "type"),
        .. StoredLists.SelectMany(path => new BadInput[]
        {
            new($"{path} with limit 0", Send(HttpMethod.Get, $"{path}?limit=0", null), 400, Validation, "limit"),
            new($"{path} with limit 101", Send(HttpMethod.Get, $"{path}?limit=101", null), 400, Validation, "limit"),
            new($"{path} with limit abc", Send(HttpMethod.Get, $"{path}?limit=abc", null), 400, Validation, "limit"),
            new($"{path} with a forged cursor", Send(HttpMethod.Get, $"{path}?cursor=bm90LWEtY3Vyc29y", null), 400, Validation, "cursor"),
        }),

        // Users, templates, providers
        new("user id with a space", Send(HttpMethod.Put, "/v1/users/ana%20smith/preferences", "{}"), 400, Validation, "userId"),
        new("preferences for the webhook channel", Send(HttpMethod.Put, "/v1/users/u-1/preferences", "{\"channels\":{\"webhook\":true}}"), 400, Validation,
            "channels.webhook"),
        new("quiet hours in an unknown time zone", Send(HttpMethod.Put, "/v1/users/u-1/preferences",
            "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"07:00\",\"timeZone\":\"Mars/Olympus\"}}"), 400, Validation, "quietHours.timeZone"),
        new("channel switch that is not a boolean", Send(HttpMethod.Put, "/v1/users/u-1/preferences", "{\"channels\":{\"sms\":\"yes\"}}"), 400, Malformed),
        new("recipient locale that is no language tag", Submit(With(Sms(), "recipient.locale", "portuguese")), 400, Validation, "recipient.locale"),
        new("recipient user id with a space", Submit(With(Sms(), "recipient.userId", "ana smith")), 400, Validation, "recipient.userId"),
        new("template name with capitals", Send(HttpMethod.Put, "/v1/templates/Receipt/sms/en", "{\"smsText\":\"hi\"}"), 400, Validation, "name"),
        new("template for the webhook channel", Send(HttpMethod.Put, "/v1/templates/receipt/webhook/en", "{\"smsText\":\"hi\"}"), 400, Validation, "channel"),
        new("template locale that is no language tag", Send(HttpMethod.Put, "/v1/templates/receipt/sms/english", "{\"smsText\":\"hi\"}"), 400, Validation,
            "locale"),
        new("preview of a template that does not exist", Send(HttpMethod.Post, "/v1/templates/nothing/sms/preview", "{\"data\":{}}"), 404, "/problems/not-found"),
        new("unknown circuit mode", Send(HttpMethod.Post, "/v1/admin/providers/twilio/circuit", "{\"mode\":\"half\"}"), 400, Validation, "mode", s => s.App.Admin()),
        new("circuit mode as a number", Send(HttpMethod.Post, "/v1/admin/providers/twilio/circuit", "{\"mode\":-4}"), 400, Malformed, Client: s => s.App.Admin()),
        new("circuit of an unknown provider", Send(HttpMethod.Post, "/v1/admin/providers/carrier-pigeon/circuit", "{\"mode\":\"auto\"}"), 404, "/problems/not-found",
            Client: s => s.App.Admin()),
        new("unsigned Twilio receipt", Send(HttpMethod.Post, "/v1/providers/twilio/status", "MessageStatus=delivered", "application/x-www-form-urlencoded"), 401,
            "/problems/unauthorized", Client: s => s.Anonymous()),
        new("unsigned SendGrid events", Send(HttpMethod.Post, "/v1/providers/sendgrid/events", "[]"), 401, "/problems/unauthorized", Client: s => s.Anonymous()),

        // Admin
        new("tenant without a name", Send(HttpMethod.Post, "/v1/admin/tenants", "{}"), 400, Validation, "name", s => s.App.Admin()),
        new("tenant name with spaces around", Send(HttpMethod.Post, "/v1/admin/tenants", "{\"name\":\" acme \"}"), 400, Validation, "name", s => s.App.Admin()),
        new("tenant name of 101 characters", Send(HttpMethod.Post, "/v1/admin/tenants", $"{{\"name\":\"{new string('n', 101)}\"}}"), 400, Validation, "name",
            s => s.App.Admin()),
        new("tenant name taken", Send(HttpMethod.Post, "/v1/admin/tenants", "{\"name\":\"owner\"}"), 409, "/problems/name-taken", Client: s => s.App.Admin()),
        new("API key for an unknown tenant", Send(HttpMethod.Post, "/v1/admin/tenants/ten_nobody/api-keys", null), 404, "/problems/not-found",
            Client: s => s.App.Admin()),
        new("revoke of an unknown key", Send(HttpMethod.Delete, "/v1/admin/tenants/ten_nobody/api-keys/key_nobody", null), 404, "/problems/not-found",
            Client: s => s.App.Admin()),
        new("replay with ids and since", Send(HttpMethod.Post, "/v1/admin/dead-letters/replay", "{\"ids\":[\"a\"],\"since\":\"2026-01-01T00:00:00Z\"}"), 400,
            Validation, "ids", s => s.App.Admin()),
        new("replay with no ids", Send(HttpMethod.Post, "/v1/admin/dead-letters/replay", "{\"ids\":[]}"), 400, Validation, "ids", s => s.App.Admin()),
        new("replay with 1001 ids", Send(HttpMethod.Post, "/v1/admin/dead-letters/replay",
            $"{{\"ids\":[{string.Join(',', Enumerable.Range(0, 1001).Select(i => $"\"id{i}\""))}]}}"), 400, Validation, "ids", s => s.App.Admin()),
        new("dead letters filtered by state", Send(HttpMethod.Get, "/v1/admin/dead-letters?state=SUCCESS", null), 400, Validation, "state", s => s.App.Admin()),

        // Authentication
        new("no API key", Send(HttpMethod.Get, "/v1/notifications", null), 401, "/problems/unauthorized", Client: s => s.Anonymous()),
        new("unknown API key", Send(HttpMethod.Get, "/v1/notifications", null), 401, "/problems/unauthorized", Client: s => s.WithKey("ntk_" + new string('A', 43))),
        new("Basic instead of Bearer", s =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/notifications");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("a:" + s.OwnerKey)));
            return request;
        }, 401, "/problems/unauthorized", Client: s => s.Anonymous()),
        new("tenant key on an admin route", Send(HttpMethod.Get, "/v1/admin/tenants", null), 403, "/problems/forbidden"),
        new("admin key on a tenant route", Send(HttpMethod.Get, "/v1/notifications", null), 403, "/problems/forbidden", Client: s => s.App.Admin()),
    ];

    [Fact]
    public async Task Every_bad_input_gets_its_4xx_problem_and_changes_nothing()
    {
        await using var scenario = await ApiScenario.StartAsync();
        var before = await scenario.SnapshotAsync();
        var failures = new List<string>();

        foreach (var input in Cases)
        {
            var client = input.Client?.Invoke(scenario) ?? scenario.Owner;
            using var response = await client.SendAsync(input.Request(scenario));
            var text = await response.Content.ReadAsStringAsync();
            var problem = text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? JsonNode.Parse(text)!.AsObject() : null;
            var type = problem?["type"]?.GetValue<string>();
            var fields = problem?["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [];
            output.WriteLine($"{input.Name} -> {(int)response.StatusCode} {type} {string.Join(",", fields)} | {problem?["detail"]}");
            if ((int)response.StatusCode != input.Status || type != input.Type || (input.Field is not null && !fields.Contains(input.Field)))
            {
                failures.Add($"{input.Name}: expected {input.Status} {input.Type} {input.Field}, got {(int)response.StatusCode} {type} [{string.Join(",", fields)}] {text}");
            }
        }

        Assert.Empty(failures);
        Assert.Equal(before, await scenario.SnapshotAsync());
    }

    [Fact]
    public async Task Https_is_required_for_webhook_endpoints_in_durable_mode_unless_configured()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("https");
        await using var durable = new SiloApp(database, new Dictionary<string, string?> { ["Webhooks:RequireHttps"] = null });
        await using var allowed = new SiloApp(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("https"),
            new Dictionary<string, string?> { ["Webhooks:RequireHttps"] = "false" });

        var refused = await (await durable.NewTenantAsync()).PutAsync("/v1/merchants/m-1/webhook-endpoint",
            new StringContent("{\"url\":\"http://127.0.0.1:9/hooks\"}", Encoding.UTF8, "application/json"));
        var accepted = await (await allowed.NewTenantAsync()).PutAsync("/v1/merchants/m-1/webhook-endpoint",
            new StringContent("{\"url\":\"http://127.0.0.1:9/hooks\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.ReadJsonAsync())["errors"]!["url"]![0]!.GetValue<string>();
        Assert.Contains("https", errors);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    /// <summary>A body whose length the client cannot know, so it is sent chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
