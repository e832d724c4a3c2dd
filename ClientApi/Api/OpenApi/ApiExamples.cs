using System.Text.Json.Nodes;

namespace PaymentNotifications.Api.OpenApi;

/// <summary>Example bodies for the OpenAPI document, by operation id (the route name) and status.</summary>
public static class ApiExamples
{
    private const string NotificationId = "ntf_5f2c0c1e9a7b4d3e8f10a2b3c4d5e6f7";

    private static readonly string Notification = $$"""
        {
          "id": "{{NotificationId}}", "idempotencyKey": "charge-8812-paid", "type": "charge.paid",
          "channel": "webhook", "priority": "normal", "state": "PENDING", "reason": null,
          "recipient": { "merchantId": "m-42", "userId": null, "phone": null, "email": null, "deviceToken": null, "platform": null },
          "attempts": [
            { "number": 1, "provider": "webhook", "startedAt": "2026-11-21T12:00:00.120Z", "durationMs": 41,
              "outcome": "failed", "statusCode": 503, "error": "The receiver answered 503.", "providerMessageId": null }
          ],
          "nextAttemptAt": "2026-11-21T12:00:30Z", "sendAt": null,
          "createdAt": "2026-11-21T12:00:00.100Z", "updatedAt": "2026-11-21T12:00:00.161Z", "completedAt": null, "deliveryStatus": null,
          "contentRemovedAt": null
        }
        """;

    private static readonly string NotificationRequest = """
        {
          "idempotencyKey": "charge-8812-paid", "type": "charge.paid", "channel": "webhook", "priority": "normal",
          "recipient": { "merchantId": "m-42" },
          "data": { "chargeId": "8812", "amount": 1500, "currency": "BRL" },
          "template": null, "content": null, "sendAt": null
        }
        """;

    private static readonly string Endpoint = """
        { "url": "https://shop.example/webhooks", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "enabled": true,
          "eventTypes": ["charge.paid", "refund.created"], "disabledReason": null, "failingSince": null }
        """;

    private const string Preferences = """
        { "channels": { "sms": true, "email": true, "push": false }, "types": { "marketing": { "sms": false } },
          "quietHours": { "start": "22:00", "end": "07:00", "timeZone": "Africa/Lagos" } }
        """;

    private const string TemplateVariant = """
        { "channel": "sms", "locale": "en", "content": { "smsText": "Your {{brand}} code is {{code}}", "emailSubject": null, "emailText": null,
          "emailHtml": null, "pushTitle": null, "pushBody": null }, "updatedAt": "2026-11-21T12:00:00Z" }
        """;

    private static readonly string Page = $$"""{ "items": [{{Notification}}], "nextCursor": "NjM4NjgwMDAwMDAwMDAwMDAwfG50Zl81ZjJj" }""";

    private static readonly Dictionary<string, (string? Request, Dictionary<int, string> Responses)> ByOperation = new(StringComparer.Ordinal)
    {
        ["SubmitNotification"] = (NotificationRequest, new() { [202] = Notification, [200] = Notification }),
        ["GetNotification"] = (null, new() { [200] = Notification }),
        ["GetQuotas"] = (null, new()
        {
            [200] = """
                { "quotas": [ { "kind": "templates", "used": 12, "limit": 1000 }, { "kind": "webhookEndpoints", "used": 840, "limit": 100000 },
                  { "kind": "users", "used": 52310, "limit": 1000000 } ] }
                """,
        }),
        ["ListNotifications"] = (null, new() { [200] = Page }),
        ["CancelNotification"] = (null, new() { [200] = Notification.Replace("\"PENDING\"", "\"CANCELLED\"", StringComparison.Ordinal) }),
        ["RetryNotification"] = (null, new() { [202] = Notification }),
        ["PutWebhookEndpoint"] = ("""{ "url": "https://shop.example/webhooks", "secret": null, "eventTypes": ["charge.paid", "refund.created"] }""",
            new() { [200] = Endpoint }),
        ["GetWebhookEndpoint"] = (null, new() { [200] = Endpoint }),
        ["RotateWebhookSecret"] = (null, new() { [200] = """{ "secret": "whsec_3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAA", "previousSecretExpiresAt": "2026-11-22T12:00:00Z" }""" }),
        ["CreateTenant"] = ("""{ "name": "acme" }""",
            new() { [201] = """{ "id": "ten_3f9a1c2b4d5e6f70", "name": "acme", "apiKey": "ntk_q1X8c0mJc3y1Vb3kZ0n2d9pE7rT4uW6yA1sD5fG8hJk" }""" }),
        ["ListTenants"] = (null, new() { [200] = """{ "items": [{ "id": "ten_3f9a1c2b4d5e6f70", "name": "acme", "createdAt": "2026-11-21T12:00:00Z" }] }""" }),
        ["GetTenant"] = (null, new() { [200] = """{ "id": "ten_3f9a1c2b4d5e6f70", "name": "acme", "createdAt": "2026-11-21T12:00:00Z" }""" }),
        ["CreateApiKey"] = (null, new()
        {
            [201] = """
                { "id": "key_8e7d6c5b4a392817", "tenantId": "ten_3f9a1c2b4d5e6f70", "prefix": "ntk_Zp4Lm9Qa", "createdAt": "2026-11-21T12:00:00Z",
                  "apiKey": "ntk_Zp4Lm9QaT7bN2xV5cR8kW1yH3jF6gD0sA9eU4iO7pLm" }
                """,
        }),
        ["ListApiKeys"] = (null, new()
        {
            [200] = """
                { "items": [
                  { "id": "key_1a2b3c4d5e6f7081", "tenantId": "ten_3f9a1c2b4d5e6f70", "prefix": "ntk_q1X8c0mJ", "createdAt": "2026-11-21T12:00:00Z", "revokedAt": "2026-11-22T08:00:00Z" },
                  { "id": "key_8e7d6c5b4a392817", "tenantId": "ten_3f9a1c2b4d5e6f70", "prefix": "ntk_Zp4Lm9Qa", "createdAt": "2026-11-21T12:00:00Z", "revokedAt": null } ] }
                """,
        }),
        ["ListDeadLetters"] = (null, new() { [200] = Page.Replace("\"PENDING\"", "\"FAILED\"", StringComparison.Ordinal) }),
        ["ReplayDeadLetters"] = ($$"""{ "ids": ["{{NotificationId}}"] }""", new() { [202] = """{ "replayed": 1, "notReplayed": [] }""" }),
        ["ListProviders"] = (null, new()
        {
            [200] = """
                { "providers": [
                  { "name": "twilio", "channel": "sms", "circuitState": "closed", "mode": "auto", "successRate": 0.998, "latencyMs": 212.5 },
                  { "name": "vonage", "channel": "sms", "circuitState": "open", "mode": "forced-open", "successRate": null, "latencyMs": null } ] }
                """,
        }),
        ["SetCircuitMode"] = ("""{ "mode": "forced-open" }""", new()
        {
            [200] = """{ "name": "vonage", "channel": "sms", "circuitState": "open", "mode": "forced-open", "successRate": null, "latencyMs": null }""",
        }),
        ["PutUserPreferences"] = (Preferences, new() { [200] = Preferences }),
        ["GetUserPreferences"] = (null, new() { [200] = Preferences }),
        ["ListTemplates"] = (null, new() { [200] = """{ "items": [{ "name": "otp" }, { "name": "receipt" }], "nextCursor": "VGVtcGxhdGVzfHJlY2VpcHQ" }""" }),
        ["ListMerchants"] = (null, new() { [200] = """{ "items": [{ "merchantId": "m-41" }, { "merchantId": "m-42" }], "nextCursor": null }""" }),
        ["ListUsers"] = (null, new() { [200] = """{ "items": [{ "userId": "u-1001" }, { "userId": "u-1002" }], "nextCursor": "VXNlcnN8dS0xMDAy" }""" }),
        ["GetTemplate"] = (null, new() { [200] = $"[{TemplateVariant}]" }),
        ["PutTemplate"] = ("""{ "smsText": "Your {{brand}} code is {{code}}", "emailSubject": null, "emailText": null, "emailHtml": null, "pushTitle": null, "pushBody": null }""",
            new() { [200] = TemplateVariant }),
        ["PreviewTemplate"] = ("""{ "data": { "brand": "Acme", "code": "493817" }, "locale": "pt-BR" }""", new()
        {
            [200] = """
                { "subject": null, "text": "Your Acme code is 493817", "html": null, "title": null, "body": null, "locale": "en",
                  "smsEncoding": "GSM-7", "smsSegments": 1, "smsCharacters": 24 }
                """,
        }),
        ["GetCluster"] = (null, new()
        {
            [200] = """
                { "answeredBy": "silo-1", "generatedAt": "2026-11-21T12:00:00Z",
                  "silos": [
                    { "id": "silo-1", "address": "S10.0.0.5:11111:154262400", "status": "active", "startedAt": "2026-11-21T11:00:00Z",
                      "uptimeSeconds": 3600, "heartbeatAgeSeconds": 0.4, "activations": 5321,
                      "activationsByType": { "NotificationGrain": 5300, "MerchantEndpointGrain": 21 }, "cpuPercent": 37.5, "memoryBytes": 262144000,
                      "reminderLagSeconds": 0.2, "reachable": true, "self": true },
                    { "id": "silo-2", "address": "S10.0.0.6:11111:154262402", "status": "dead", "startedAt": "2026-11-21T11:00:02Z",
                      "uptimeSeconds": 3598, "heartbeatAgeSeconds": 12.5, "activations": null, "activationsByType": null,
                      "cpuPercent": null, "memoryBytes": null, "reminderLagSeconds": null, "reachable": false, "self": false } ] }
                """,
        }),
        ["GetSilo"] = (null, new()
        {
            [200] = """
                { "id": "silo-1", "address": "S10.0.0.5:11111:154262400", "startedAt": "2026-11-21T11:00:00Z", "uptimeSeconds": 3600,
                  "activations": 5321, "activationsByType": { "NotificationGrain": 5300 }, "cpuPercent": 37.5,
                  "memoryBytes": 262144000, "gcHeapBytes": 98304000, "processorCount": 2,
                  "reminders": { "fired": 1200, "failed": 0, "lagSeconds": 0.2 },
                  "traffic": { "intervalSeconds": 1, "windowSeconds": 60,
                    "points": [ { "t": 1795262400, "accepted": [ { "channel": "webhook", "count": 42 } ],
                                  "attempts": [ { "channel": "webhook", "provider": "webhook", "outcome": "delivered", "count": 41 } ],
                                  "completed": [ { "channel": "webhook", "state": "SUCCESS", "count": 41 } ] } ],
                    "histograms": [ { "metric": "notifications.delivery.latency", "channel": "webhook", "provider": null,
                                      "bounds": [0.005, 0.01, 0.025], "counts": [30, 8, 3, 0], "sum": 0.31, "count": 41 } ] } }
                """,
        }),
        ["GetStats"] = (null, new()
        {
            [200] = """
                { "generatedAt": "2026-11-21T12:00:00Z", "intervalSeconds": 1, "windowSeconds": 60,
                  "queue": { "byState": { "PENDING": 12, "SUCCESS": 98000, "FAILED": 3 }, "pending": 12, "overdue": 0,
                             "oldestPendingCreatedAt": "2026-11-21T11:59:58Z", "oldestPendingAgeSeconds": 2.1 },
                  "reminders": { "due": 0, "oldestDueAt": null, "lagSeconds": 0, "fired": 1200, "failed": 0, "maxSiloLagSeconds": 0.2 },
                  "traffic": [ { "t": 1795262400, "accepted": [ { "channel": "sms", "count": 5 } ],
                                 "attempts": [ { "channel": "sms", "provider": "twilio", "outcome": "delivered", "count": 5 } ],
                                 "completed": [ { "channel": "sms", "state": "SUCCESS", "count": 5 } ] } ],
                  "latency": { "firstAttempt": { "count": 200, "p50": 0.004, "p90": 0.012, "p99": 0.05 },
                               "endToEnd": { "count": 200, "p50": 0.03, "p90": 0.2, "p99": 1.4 }, "deliveredWithin30sRatio": 0.997, "endToEndHistogram": null },
                  "providers": [ { "provider": "twilio", "channel": "sms", "attempts": 300, "delivered": 298, "failed": 2, "successRate": 0.993,
                                   "latencyP50Ms": 180, "latencyP95Ms": 420 } ],
                  "silosReporting": ["silo-1f2e3d4c5b6a"], "silosUnreachable": [] }
                """,
        }),
        ["FindNotification"] = (null, new() { [200] = $$"""{ "tenantId": "ten_3f9a1c2b4d5e6f70", "notification": {{Notification}} }""" }),
        ["FindNotificationByKey"] = (null, new() { [200] = $$"""{ "tenantId": "ten_3f9a1c2b4d5e6f70", "notification": {{Notification}} }""" }),
    };

    private static readonly Dictionary<int, string> Problems = new()
    {
        [400] = $$"""
            { "type": "{{ApiProblems.ValidationFailed}}", "title": "The request is not valid.", "status": 400,
              "detail": "See errors for the fields to fix; nothing was created or changed.",
              "errors": { "recipient.phone": ["Cannot receive SMS: it is a premium-rate number; give a mobile number, e.g. \"+447400123456\"."] } }
            """,
        [401] = $$"""{ "type": "{{ApiProblems.Unauthorized}}", "title": "Authentication required.", "status": 401, "detail": "Send a valid API key as 'Authorization: Bearer <key>'." }""",
        [403] = $$"""{ "type": "{{ApiProblems.Forbidden}}", "title": "Not allowed.", "status": 403, "detail": "This key does not reach this route (tenant keys reach /v1/*, the admin key /v1/admin/*)." }""",
        [404] = $$"""{ "type": "{{ApiProblems.NotFound}}", "title": "Not found.", "status": 404, "detail": "No notification 'ntf_…' exists for this tenant." }""",
        [409] = $$"""{ "type": "{{ApiProblems.InvalidState}}", "title": "Only PENDING notifications can be cancelled.", "status": 409, "detail": "Notification ntf_… is SUCCESS.", "state": "SUCCESS" }""",
        [413] = $$"""{ "type": "{{ApiProblems.PayloadTooLarge}}", "title": "The request body is too large.", "status": 413, "detail": "Bodies are limited to 262144 bytes (Api:MaxRequestBodyBytes); nothing was created or changed." }""",
        [429] = $$"""{ "type": "{{ApiProblems.RateLimited}}", "title": "Too many requests.", "status": 429, "detail": "This key may make 10000 requests per second with bursts of 20000; retry after 1 s." }""",
        [501] = $$"""{ "type": "{{ApiProblems.Unavailable}}", "title": "Not in a silo.", "status": 501, "detail": "This API process hosts no silo, so it has no operations figures; ask a silo." }""",
        [503] = $$"""{ "type": "{{ApiProblems.Unavailable}}", "title": "The cluster could not serve the request in time.", "status": 503, "detail": "Retry with the same idempotency key." }""",
    };

    /// <summary>The example request body of an operation, if it takes one.</summary>
    public static JsonNode? Request(string? operationId) =>
        operationId is not null && ByOperation.TryGetValue(operationId, out var examples) && examples.Request is { } json ? JsonNode.Parse(json) : null;

    /// <summary>The example answer of an operation for a status; problem statuses share one example each.</summary>
    public static JsonNode? Response(string? operationId, int status)
    {
        if (operationId is not null && ByOperation.TryGetValue(operationId, out var examples) && examples.Responses.TryGetValue(status, out var json))
        {
            return JsonNode.Parse(json);
        }
        return Problems.TryGetValue(status, out var problem) ? JsonNode.Parse(problem) : null;
    }
}
