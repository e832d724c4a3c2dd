namespace PaymentNotifications.Tests.ClientApi.Client;

/// <summary>Response bodies shaped as API.md describes them.</summary>
internal static class WireSamples
{
    public static string Notification(string id = "ntf_01", string state = "PENDING", string channel = "webhook") => $$"""
        {
          "id": "{{id}}", "idempotencyKey": "charge-8812-paid", "type": "charge.paid",
          "channel": "{{channel}}", "priority": "normal",
          "state": "{{state}}",
          "attempts": [
            { "number": 1, "provider": "webhook", "startedAt": "2026-11-21T10:00:00Z",
              "durationMs": 41, "outcome": "failed", "statusCode": 503,
              "error": "Service Unavailable" }
          ],
          "nextAttemptAt": "2026-11-21T10:00:30Z", "createdAt": "2026-11-21T09:59:59.5Z",
          "updatedAt": "2026-11-21T10:00:00.041Z",
          "completedAt": null
        }
        """;

    public static string Page(string? nextCursor, params string[] ids) =>
        $$"""{ "items": [{{string.Join(",", ids.Select(id => Notification(id)))}}], "nextCursor": {{(nextCursor is null ? "null" : $"\"{nextCursor}\"")}} }""";

    public static string Problem(int status, string type, string title, string detail) =>
        $$"""{ "type": "{{type}}", "title": "{{title}}", "status": {{status}}, "detail": "{{detail}}" }""";
}
