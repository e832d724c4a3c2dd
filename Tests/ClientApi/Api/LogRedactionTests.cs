using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>No OTP, message body, API key or webhook secret reaches a log, at any level.</summary>
public sealed class LogRedactionTests
{
    [Fact]
    public async Task Sending_an_otp_logs_neither_the_code_nor_the_body_nor_any_key_or_secret()
    {
        var capture = new CapturingLoggerProvider();
        await using var silo = new SiloApp(null, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:Console:LogLevel:Default"] = "None",
            ["Delivery:RetrySchedule"] = "100ms",
        });
        await using var app = silo.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(capture)));
        var code = RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 10);
        var body = $"Your sign-in code is {code}";
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, attempt) => attempt == 1 ? 503 : 200;

        var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloApp.AdminKey);
        var created = await (await admin.PostAsJsonAsync("/v1/admin/tenants", new { name = "otp-sender" })).ReadJsonAsync();
        var apiKey = created["apiKey"]!.GetValue<string>();
        var tenant = app.CreateClient();
        tenant.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var endpoint = await tenant.PutEndpointAsync("m-otp", receiver.Url);
        var secret = endpoint["secret"]!.GetValue<string>();
        receiver.Secrets = [secret];

        var webhook = await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "otp-webhook-1",
            type = "auth.otp",
            channel = "webhook",
            priority = "critical",
            recipient = new { merchantId = "m-otp" },
            data = new { otp = code, message = body },
        });
        var sms = await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "otp-sms-1",
            type = "auth.otp",
            channel = "sms",
            priority = "critical",
            recipient = new { userId = "u-1", phone = "+5511912345678" },
            content = new { text = body },
            data = new { otp = code },
        });
        var webhookId = await NotificationsHttp.IdOf(webhook);
        var smsId = await NotificationsHttp.IdOf(sms);
        // Refused requests carrying the code: a bad phone, broken JSON, the same key with another body.
        var invalid = await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "otp-sms-2", type = "auth.otp", channel = "sms", recipient = new { phone = code }, content = new { text = body },
        });
        var broken = await tenant.PostAsync("/v1/notifications", new StringContent($"{{\"data\":{{\"otp\":\"{code}\"", Encoding.UTF8, "application/json"));
        var conflict = await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "otp-webhook-1", type = "auth.otp", channel = "webhook", recipient = new { merchantId = "m-otp" }, data = new { otp = code + "0" },
        });
        var unauthorized = await app.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/notifications")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", apiKey + "x") },
        });

        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(webhookId)).State());
        await tenant.WaitForFinalAsync(smsId);
        Assert.Equal(2, receiver.CountFor(webhookId));
        Assert.Equal(code, receiver.Received.First().Data.GetProperty("otp").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);

        var entries = capture.Entries.ToList();
        Assert.True(entries.Count > 100, $"only {entries.Count} entries were captured");
        Assert.Contains(entries, e => e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && e.Level == LogLevel.Debug);
        Assert.Contains(entries, e => e.Level == LogLevel.Trace);
        Assert.Contains(entries, e => e.Text.Contains(webhookId, StringComparison.Ordinal));
        var forbidden = new Dictionary<string, string>
        {
            ["OTP code"] = code,
            ["API key"] = apiKey,
            ["API key body"] = apiKey["ntk_".Length..],
            ["admin key"] = SiloApp.AdminKey,
            ["webhook secret"] = secret["whsec_".Length..],
            ["encryption key"] = SiloApp.EncryptionKey,
        };
        var leaks = entries.SelectMany(e => forbidden.Where(f => e.Text.Contains(f.Value, StringComparison.Ordinal))
            .Select(f => $"{f.Key} in {e.Level} {e.Category}: {e.Text[..Math.Min(300, e.Text.Length)]}")).ToList();
        Assert.Empty(leaks);
    }
}
