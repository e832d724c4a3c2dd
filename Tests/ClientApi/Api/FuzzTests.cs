using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>
/// Random and malformed bodies at every POST and PUT route (read from the app, so later routes are covered):
/// each gets a 4xx problem, never a 5xx, and storage is unchanged afterwards.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Cases = 400;

    /// <summary>One generated request; <see cref="ToString"/> is what FsCheck prints for a failing case.</summary>
    public sealed record FuzzCase(int Route, string Kind, byte[] Body, string? ContentType, bool Chunked)
    {
        public override string ToString() =>
            $"route {Route}, {Kind}, {ContentType ?? "no content type"}{(Chunked ? ", chunked" : "")}, {Body.Length} bytes: {Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 300)))}";
    }

    // Object keys that are no field of any request (matching is case-insensitive), so random objects never turn valid.
    private static readonly string[] Keys = ["a", "b", "x1", "idempotency", "typ", "names", "urls", "", " ", "$id", "__proto__", "constructor", "é", "😀", "\u0000", "recipient ", "DATA_"];

    private static readonly string[] Strings =
    [
        "", " ", "\u0000", "\t\r\n", "ünïcödé", "😀", "\ud83d", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00", "\\u0000",
        "http://127.0.0.1/", "+5511912345678", "ana@example.com", "charge.paid", "webhook", "NaN", "1e400", "null",
    ];

    private static readonly string?[] WrongContentTypes =
        ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", null, "application/jsonx", "json", "text/json; charset=utf-16"];

    private static readonly byte[][] InvalidUtf8 = [[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80]];

    // Fields a valid body may leave out, so null is no wrong value for them.
    private static readonly HashSet<string> Optional = ["data", "eventTypes", "channels", "types", "quietHours", "locale"];

    private static Gen<JsonNode?> Leaf() => Gen.OneOf(
        Gen.Constant<JsonNode?>(null),
        Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Choose(-1_000_000, 1_000_000).Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.Elements(1e308, -0.0, 3.14159, 1e-300, long.MaxValue).Select(d => (JsonNode?)JsonValue.Create(d)),
        Gen.Elements(Strings).Select(s => (JsonNode?)JsonValue.Create(s)),
        Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Choose(32, 0x2FF).Select(c => (char)c), n)).Select(c => (JsonNode?)JsonValue.Create(new string(c))));

    private static Gen<JsonNode?> Json(int size) => size <= 1
        ? Leaf()
        : Gen.Frequency(
            (3, Leaf()),
            (1, Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(Json(size / 2), n)).Select(items => (JsonNode?)new JsonArray(items.ToArray()))),
            (2, Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(Gen.Zip(Gen.Elements(Keys), Json(size / 2)), n))
                .Select(pairs => (JsonNode?)new JsonObject(pairs.DistinctBy(p => p.Item1).Select(p => KeyValuePair.Create(p.Item1, p.Item2))))));

    private static JsonObject ValidBody(AppRoute route) => route.Template switch
    {
        "/v1/notifications" => new JsonObject
        {
            ["idempotencyKey"] = "fuzz-key",
            ["type"] = "charge.paid",
            ["channel"] = "webhook",
            ["recipient"] = new JsonObject { ["merchantId"] = ApiScenario.MerchantId },
            ["data"] = new JsonObject { ["chargeId"] = "8812", ["amount"] = 1500 },
        },
        "/v1/merchants/{merchantId}/webhook-endpoint" => new JsonObject { ["url"] = "https://shop.example/hooks", ["eventTypes"] = new JsonArray("charge.paid") },
        "/v1/admin/tenants" => new JsonObject { ["name"] = "fuzz-tenant" },
        "/v1/admin/dead-letters/replay" => new JsonObject { ["ids"] = new JsonArray("ntf_00000000000000000000000000000000") },
        "/v1/users/{userId}/preferences" => new JsonObject
        {
            ["channels"] = new JsonObject { ["sms"] = false },
            ["quietHours"] = new JsonObject { ["start"] = "22:00", ["end"] = "07:00", ["timeZone"] = "Africa/Lagos" },
        },
        "/v1/templates/{name}/{channel}/{locale}" => new JsonObject { ["smsText"] = "Your code is {{code}}" },
        "/v1/templates/{name}/{channel}/preview" => new JsonObject { ["data"] = new JsonObject { ["code"] = "1" }, ["locale"] = "en" },
        "/v1/admin/providers/{name}/circuit" => new JsonObject { ["mode"] = "auto" },
        _ => new JsonObject(),
    };

    // Values of another JSON kind than the field has (null only where the field is required), and strings no rule accepts.
    private static Gen<JsonNode?> Wrong(string field, JsonNode? current)
    {
        var kind = current?.GetValueKind();
        var options = new List<Gen<JsonNode?>>();
        if (kind != System.Text.Json.JsonValueKind.Number)
        {
            options.Add(Gen.Choose(-5, 5).Select(i => (JsonNode?)JsonValue.Create(i)));
        }
        if (kind is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
        {
            options.Add(Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b)));
        }
        if (kind != System.Text.Json.JsonValueKind.Array)
        {
            options.Add(Gen.Choose(0, 3).SelectMany(n => Gen.ListOf(Leaf(), n)).Select(items => (JsonNode?)new JsonArray(items.ToArray())));
        }
        if (kind != System.Text.Json.JsonValueKind.Object)
        {
            options.Add(Json(4).Select(v => (JsonNode?)new JsonObject { ["x1"] = v }));
        }
        if (kind == System.Text.Json.JsonValueKind.String)
        {
            // Only strings no field takes: empty, or too large for any body. A merely long one may be valid free text.
            options.Add(Gen.Elements("", new string('é', 150_000)).Select(s => (JsonNode?)JsonValue.Create(s)));
        }
        else
        {
            options.Add(Gen.Elements(Strings).Select(s => (JsonNode?)JsonValue.Create(s)));
        }
        if (!Optional.Contains(field))
        {
            options.Add(Gen.Constant<JsonNode?>(null));
        }
        return Gen.OneOf(options);
    }

    private static IEnumerable<(JsonObject Parent, string Field)> Fields(JsonObject body) =>
        body.SelectMany(p => p.Key != "data" && p.Value is JsonObject nested
            ? Fields(nested).Prepend((body, p.Key))
            : [(body, p.Key)]);

    private static Gen<FuzzCase> Case(IReadOnlyList<AppRoute> routes) =>
        from index in Gen.Choose(0, routes.Count - 1)
        let route = routes[index]
        let valid = ValidBody(route)
        from kind in Gen.Elements("random JSON", "wrong type", "huge string", "deep nesting", "invalid UTF-8", "wrong content type", "empty body", "random bytes")
        from payload in Payload(kind, valid)
        from chunked in Gen.Elements(false, false, true)
        let body = !route.TakesBody && payload.Body.Length == 0 ? "{}"u8.ToArray() : payload.Body
        select new FuzzCase(index, kind, body, payload.ContentType, chunked);

    private static Gen<(byte[] Body, string? ContentType)> Payload(string kind, JsonObject valid)
    {
        const string json = "application/json";
        byte[] Bytes(JsonNode? node) => Encoding.UTF8.GetBytes(node?.ToJsonString() ?? "null");
        switch (kind)
        {
            case "random JSON":
                // An empty object is a valid body where every field is optional (preferences), so objects get at least one unknown key.
                return Gen.Sized(size => Json(Math.Min(size, 40)))
                    .Select(node => node is JsonObject { Count: 0 } ? new JsonObject { ["x1"] = 1 } : node)
                    .Select(node => (Bytes(node), (string?)json));
            case "wrong type":
                var fields = Fields(valid).ToList();
                if (fields.Count == 0)
                {
                    return Json(8).Select(node => (Bytes(node), (string?)json));
                }
                return from target in Gen.Elements(fields.ToArray())
                       from value in Wrong(target.Field, target.Parent[target.Field])
                       select (Bytes(Replace(valid, target.Parent, target.Field, value)), (string?)json);
            case "huge string":
                return from size in Gen.Constant(300_000)
                       from key in Gen.Elements(valid.Select(p => p.Key).DefaultIfEmpty("x1").ToArray())
                       select (Bytes(Replace(valid, valid, key, JsonValue.Create(new string('A', size)))), (string?)json);
            case "deep nesting":
                return from depth in Gen.Choose(65, 3_000)
                       from open in Gen.Elements("[", "{\"a\":")
                       let nested = string.Concat(Enumerable.Repeat(open, depth)) + "1" + new string(open == "[" ? ']' : '}', depth)
                       select (Encoding.UTF8.GetBytes(valid.ToJsonString().TrimEnd('}') + (valid.Count > 0 ? "," : "") + "\"x1\":" + nested + "}"), (string?)json);
            case "invalid UTF-8":
                var text = Encoding.UTF8.GetBytes(valid.ToJsonString());
                return from at in Gen.Choose(0, text.Length)
                       from bad in Gen.Elements(InvalidUtf8)
                       select ((byte[])[.. text.AsSpan(0, at), .. bad, .. text.AsSpan(at)], (string?)json);
            case "wrong content type":
                return Gen.Elements(WrongContentTypes).Select(type => (Encoding.UTF8.GetBytes(valid.ToJsonString()), type));
            case "empty body":
                return Gen.Elements<string?>(json, null).Select(type => (Array.Empty<byte>(), type));
            default:
                return Gen.Choose(1, 200).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n)).Select(b => (b, (string?)json));
        }
    }

    private static JsonObject Replace(JsonObject valid, JsonObject parent, string field, JsonNode? value)
    {
        var copy = valid.DeepClone().AsObject();
        var path = new List<string>();
        for (var node = (JsonNode)parent; node.Parent is not null; node = node.Parent)
        {
            path.Insert(0, node.GetPropertyName());
        }
        var target = path.Aggregate(copy, (current, name) => current[name]!.AsObject());
        target[field] = value;
        return copy;
    }

    [Fact]
    public async Task Random_and_malformed_bodies_on_every_POST_and_PUT_route_get_a_4xx_and_change_nothing()
    {
        await using var scenario = await ApiScenario.StartAsync();
        // Every POST and PUT route the API describes; the dev-mode sandbox providers and silo-to-silo calls are not the API.
        var routes = AppRoute.All(scenario.App).Where(r => r.Method is "POST" or "PUT" && r.Described).OrderBy(r => r.ToString()).ToList();
        Assert.Contains(routes, r => r.Template == "/v1/notifications" && r.TakesBody);
        Assert.Contains(routes, r => r.Template == "/v1/notifications/{id}/cancel" && !r.TakesBody);
        Assert.Contains(routes, r => r.Template == "/v1/users/{userId}/preferences" && r.TakesBody);
        var before = await scenario.SnapshotAsync();
        var outcomes = new ConcurrentDictionary<string, int>();

        var property = Prop.ForAll(Case(routes).ToArbitrary(), async fuzz =>
        {
            var route = routes[fuzz.Route];
            using var response = await SendAsync(scenario, route, fuzz.Body, fuzz.ContentType, fuzz.Chunked);
            var status = (int)response.StatusCode;
            outcomes.AddOrUpdate($"{route} {fuzz.Kind} -> {status}", 1, (_, n) => n + 1);
            return status is >= 400 and < 500 && response.Content.Headers.ContentType?.MediaType == "application/problem+json";
        });
        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithEndSize(40), property));

        foreach (var (outcome, count) in outcomes.OrderBy(o => o.Key))
        {
            output.WriteLine($"{count,4} x {outcome}");
        }
        Assert.Equal(before, await scenario.SnapshotAsync());
        Assert.True(outcomes.Keys.Select(k => k.Split(" -> ")[0]).Distinct().Count() > 20, "the cases did not spread over routes and kinds");
    }

    // Values that are legal JSON text but that no store or receiver can take; each replaces one value of a valid body.
    private static readonly string[] HostileValues =
    [
        "\"\\ud800\"", "\"a\\udc00b\"", "\"\\ude00\\ud83d\"", "\"x\\ud83d\\u0041\"", "\"\\u0000\"", "\"pay\\u0000load\"",
        "1e400", "-1e99999", "1" + new string('0', 400), "0." + new string('1', 400), "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345",
    ];

    /// <summary>A valid body with one value made hostile, or with a field given twice.</summary>
    public sealed record HostileCase(int Route, string Field, string Value, byte[] Body)
    {
        public override string ToString() => $"route {Route}, {Field} = {Value[..Math.Min(Value.Length, 60)]}: {Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 300)))}";
    }

    private const string Placeholder = "__hostile__";

    private static Gen<HostileCase> Hostile(IReadOnlyList<AppRoute> routes, IReadOnlyList<int> withBody) =>
        from index in Gen.Elements(withBody.ToArray())
        let valid = ValidBody(routes[index])
        let fields = Fields(valid).Where(f => f.Parent[f.Field] is not JsonObject).ToArray()
        from target in Gen.Elements(fields)
        from placement in Gen.Elements("replace", "inside data", "twice")
        from value in Gen.Elements(HostileValues)
        select Build(index, valid, target.Parent, target.Field, placement, value);

    private static HostileCase Build(int route, JsonObject valid, JsonObject parent, string field, string placement, string value)
    {
        if (placement == "twice")
        {
            // The same name again at the end of its object: legal JSON text, two meanings.
            var text = Replace(valid, parent, field, JsonValue.Create(Placeholder)).ToJsonString();
            var repeated = parent[field]?.ToJsonString() ?? "null";
            var body = text.Replace($"\"{Placeholder}\"", $"{repeated},\"{field}\":{repeated}");
            return new HostileCase(route, field + " (twice)", repeated, Encoding.UTF8.GetBytes(body));
        }
        var node = placement == "inside data" && valid.ContainsKey("data")
            ? Replace(valid, valid, "data", new JsonObject { ["nested"] = new JsonArray(1, Placeholder) })
            : Replace(valid, parent, field, JsonValue.Create(Placeholder));
        var name = placement == "inside data" && valid.ContainsKey("data") ? "data.nested[1]" : field;
        return new HostileCase(route, name, value, Encoding.UTF8.GetBytes(node.ToJsonString().Replace($"\"{Placeholder}\"", value)));
    }

    [Fact]
    public async Task Valid_bodies_with_one_value_no_store_can_hold_get_a_400_naming_it_on_PostgreSQL()
    {
        // Durable mode has no sandbox providers: one configured provider (never reached) gives the circuit route a target.
        await using var scenario = await ApiScenario.StartAsync(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("hostile"), new Dictionary<string, string?>
        {
            ["Providers:Twilio:BaseUrl"] = "http://127.0.0.1:9/twilio",
            ["Providers:Twilio:AccountSid"] = "AC00000000000000000000000000000000",
            ["Providers:Twilio:AuthToken"] = "token",
            ["Providers:Twilio:From"] = "+15005550006",
        });
        var routes = AppRoute.All(scenario.App).Where(r => r.Method is "POST" or "PUT" && r.Described).OrderBy(r => r.ToString()).ToList();
        var withBody = Enumerable.Range(0, routes.Count).Where(i => routes[i].TakesBody && ValidBody(routes[i]).Count > 0).ToList();
        Assert.Contains(withBody, i => routes[i].Template == "/v1/notifications");
        var before = await scenario.SnapshotAsync();
        var outcomes = new ConcurrentDictionary<string, int>();

        var property = Prop.ForAll(Hostile(routes, withBody).ToArbitrary(), async hostile =>
        {
            using var response = await SendAsync(scenario, routes[hostile.Route], hostile.Body, "application/json", chunked: false);
            var detail = await response.Content.ReadAsStringAsync();
            outcomes.AddOrUpdate($"{routes[hostile.Route]} -> {(int)response.StatusCode}", 1, (_, n) => n + 1);
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {detail}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(hostile.Field.Split(' ')[0].Split('.')[0], detail);
        });
        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), property));

        foreach (var (outcome, count) in outcomes.OrderBy(o => o.Key))
        {
            output.WriteLine($"{count,4} x {outcome}");
        }
        Assert.Equal(before, await scenario.SnapshotAsync());
        Assert.True(outcomes.Count >= withBody.Count / 2, "the cases did not spread over the routes");
    }

    private static async Task<HttpResponseMessage> SendAsync(ApiScenario scenario, AppRoute route, byte[] body, string? contentType, bool chunked)
    {
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(p => p switch
        {
            "id" => scenario.NotificationId,
            "merchantId" => ApiScenario.MerchantId,
            "tenantId" => scenario.OwnerTenantId,
            "userId" => "fuzz-user",
            "name" => route.IsAdmin ? "twilio" : "fuzz-template",
            "channel" => "sms",
            "locale" => "en",
            _ => "x",
        }));
        if (body.Length > 0 || contentType is not null)
        {
            request.Content = chunked ? new StreamContent(new UnknownLengthStream(body)) : new ByteArrayContent(body);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }
        return await (route.IsAdmin ? scenario.App.Admin() : scenario.Owner).SendAsync(request);
    }

    /// <summary>A body whose length the client cannot know, so it is sent chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
