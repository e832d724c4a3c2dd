using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Silo.Sandbox;
using PaymentNotifications.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.Notifications;

/// <summary>SMS, email and push through the sandbox providers' real APIs: failover, breakers, users, templates, receipts.</summary>
public abstract class ChannelDeliveryTests(ITestOutputHelper output)
{
    protected abstract Task<string?> ConnectionStringAsync();

    private async Task<(SiloApp App, SandboxProviders Sandbox, HttpClient Tenant)> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var sandbox = await SandboxProviders.StartAsync(new SandboxOptions { RandomSeed = 7 });
        var all = new Dictionary<string, string?>(sandbox.AdapterConfiguration())
        {
            ["Breakers:BreakDuration"] = "1s",
            ["Breakers:ReportInterval"] = "100ms",
            ["Breakers:ProbeInterval"] = "200ms",
            ["Breakers:MinimumThroughput"] = "5",
            ["Delivery:RetrySchedule"] = "300ms",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var app = new SiloApp(await ConnectionStringAsync(), all);
        _ = app.Server;
        return (app, sandbox, await app.NewTenantAsync());
    }

    private static Task<HttpResponseMessage> SubmitSmsAsync(HttpClient tenant, string key, string? userId = null, string priority = "normal", string type = "payment.link", string phone = "+2348012345678") =>
        tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = key,
            type,
            channel = "sms",
            priority,
            recipient = new { userId, phone },
            content = new { text = $"Pay here: https://pay.example/{key}" },
        });

    private static async Task<List<JsonObject>> AllFinalAsync(HttpClient tenant, IEnumerable<string> ids, TimeSpan timeout)
    {
        var results = new List<JsonObject>();
        foreach (var id in ids)
        {
            results.Add(await tenant.WaitForFinalAsync(id, timeout));
        }
        return results;
    }

    [Fact]
    public async Task Sms_email_and_push_reach_their_providers_with_the_rendered_content()
    {
        var (app, sandbox, tenant) = await StartAsync();
        await using var _ = app;
        await using var __ = sandbox;

        var sms = await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, "s1"));
        var email = await NotificationsHttp.IdOf(await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "e1", type = "charge.paid", channel = "email", recipient = new { email = "ana@example.com" },
            content = new { subject = "Payment received", text = "Thanks", html = "<p>Thanks</p>" },
        }));
        var push = await NotificationsHttp.IdOf(await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "p1", type = "security.alert", channel = "push", priority = "critical",
            recipient = new { deviceToken = "device-token-1", platform = "android" }, content = new { subject = "New login", text = "From Lagos" },
        }));

        var results = await AllFinalAsync(tenant, [sms, email, push], TimeSpan.FromSeconds(20));

        Assert.All(results, r => Assert.Equal("SUCCESS", r.State()));
        Assert.Equal(["twilio", "sendgrid", "fcm"], results.Select(r => r.Attempts()[0]!["provider"]!.GetValue<string>()));
        var twilio = Assert.Single(sandbox.Recorder.Messages("twilio"));
        Assert.Equal("+2348012345678", twilio.Recipient);
        Assert.Equal("Pay here: https://pay.example/s1", twilio.Fields["Body"]);
        Assert.Equal(twilio.Id, results[0].Attempts()[0]!["providerMessageId"]!.GetValue<string>());
        Assert.Contains("Payment received", Assert.Single(sandbox.Recorder.Messages("sendgrid")).Json);
        Assert.Contains("From Lagos", Assert.Single(sandbox.Recorder.Messages("fcm")).Json);
    }

    [Fact]
    public async Task Primary_down_fails_over_the_breaker_opens_and_closes_when_it_recovers()
    {
        var (app, sandbox, tenant) = await StartAsync();
        await using var _ = app;
        await using var __ = sandbox;
        var admin = app.Admin();
        sandbox.Faults.Set("twilio", new FaultSettings(Down: true));

        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add(await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, $"down-{i}")));
        }
        var results = await AllFinalAsync(tenant, ids, TimeSpan.FromSeconds(30));
        Assert.All(results, r => Assert.Equal("SUCCESS", r.State()));
        Assert.All(results, r => Assert.Equal("vonage", r.Attempts().Last()!["provider"]!.GetValue<string>()));
        Assert.Equal(30, sandbox.Recorder.Messages("vonage").Count);

        // Open, or already half-open after the 1 s break with no traffic left to probe it.
        var opened = await WaitForCircuitAsync(admin, "twilio", s => s != "closed", TimeSpan.FromSeconds(10));
        output.WriteLine($"twilio circuit left closed {opened.TotalMilliseconds:0} ms after the first notifications completed");
        var callsWhileDown = sandbox.Recorder.Messages("vonage").Count;
        var moreIds = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            moreIds.Add(await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, $"open-{i}")));
        }
        Assert.All(await AllFinalAsync(tenant, moreIds, TimeSpan.FromSeconds(20)), r =>
        {
            Assert.Equal("SUCCESS", r.State());
            Assert.Equal("vonage", r.Attempts()[0]!["provider"]!.GetValue<string>());
        });
        Assert.Equal(callsWhileDown + 10, sandbox.Recorder.Messages("vonage").Count);

        sandbox.Faults.Set("twilio", FaultSettings.None);
        var recovery = Stopwatch.StartNew();
        var closedIds = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string state;
        do
        {
            closedIds.Add(await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, $"probe-{closedIds.Count}")));
            await Task.Delay(100);
            state = await CircuitStateAsync(admin, "twilio");
        }
        while (state != "closed" && DateTime.UtcNow < deadline);
        output.WriteLine($"twilio circuit closed {recovery.ElapsedMilliseconds} ms after it recovered (break 1 s, probes every 200 ms)");
        Assert.Equal("closed", state);
        var after = await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, "after-recovery"));
        Assert.Equal("twilio", (await tenant.WaitForFinalAsync(after)).Attempts()[0]!["provider"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_push_to_a_gone_token_falls_back_to_sms_for_types_configured_so_and_fails_for_others()
    {
        var (app, sandbox, tenant) = await StartAsync(new Dictionary<string, string?> { ["Channels:Fallback:security.alert"] = "sms" });
        await using var _ = app;
        await using var __ = sandbox;
        Task<HttpResponseMessage> Push(string key, string type, string? phone) => tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = key, type, channel = "push",
            recipient = new { deviceToken = $"unregistered-{key}", platform = "android", phone },
            content = new { subject = "New login", text = $"New login ({key})" },
        });

        var fellBack = await NotificationsHttp.IdOf(await Push("alert-1", "security.alert", "+2348012345678"));
        var noFallback = await NotificationsHttp.IdOf(await Push("paid-1", "charge.paid", "+2348012345678"));
        var noPhone = await NotificationsHttp.IdOf(await Push("alert-2", "security.alert", null));
        var badPhone = await Push("alert-3", "security.alert", "12345");
        var results = await AllFinalAsync(tenant, [fellBack, noFallback, noPhone], TimeSpan.FromSeconds(20));

        Assert.Equal("SUCCESS", results[0].State());
        var attempt = Assert.Single(results[0].Attempts())!;
        Assert.Equal("twilio", attempt["provider"]!.GetValue<string>());
        Assert.Contains("fell back to sms", attempt["error"]!.GetValue<string>());
        var sms = Assert.Single(sandbox.Recorder.Messages("twilio"));
        Assert.Equal("+2348012345678", sms.Recipient);
        Assert.Equal("New login (alert-1)", sms.Fields["Body"]);
        Assert.Equal("FAILED", results[1].State());
        Assert.Equal("FAILED", results[2].State());
        Assert.Equal(HttpStatusCode.BadRequest, badPhone.StatusCode);
        Assert.True((await badPhone.ReadJsonAsync())["errors"]!.AsObject().ContainsKey("recipient.phone"));
    }

    [Fact]
    public async Task A_fallback_naming_no_channel_stops_the_silo_from_starting()
    {
        var sandbox = await SandboxProviders.StartAsync(new SandboxOptions());
        await using var _ = sandbox;
        var settings = new Dictionary<string, string?>(sandbox.AdapterConfiguration()) { ["Channels:Fallback:security.alert"] = "pigeon" };
        await using var app = new SiloApp(await ConnectionStringAsync(), settings);

        var error = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(await app.StartFailureAsync());

        Assert.Contains("Channels:Fallback", error.Message);
    }

    [Fact]
    public async Task With_ten_percent_primary_failures_every_notification_still_succeeds()
    {
        var (app, sandbox, tenant) = await StartAsync(new Dictionary<string, string?> { ["Breakers:MinimumThroughput"] = "1000" });
        await using var _ = app;
        await using var __ = sandbox;
        sandbox.Faults.Set("twilio", new FaultSettings(ErrorRate: 0.1));

        var ids = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add(await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, $"flaky-{i}")));
        }
        var results = await AllFinalAsync(tenant, ids, TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.Equal("SUCCESS", r.State()));
        var viaFallback = results.Count(r => r.Attempts().Last()!["provider"]!.GetValue<string>() == "vonage");
        output.WriteLine($"{viaFallback} of 100 went through the fallback");
        Assert.InRange(viaFallback, 1, 30);
        Assert.Equal(100, sandbox.Recorder.Messages("twilio").Count + sandbox.Recorder.Messages("vonage").Count);
    }

    [Fact]
    public async Task Operator_can_force_the_primary_open_and_traffic_moves_to_the_fallback()
    {
        // Silos report only hourly here: the forced mode must not depend on a report.
        var (app, sandbox, tenant) = await StartAsync(new Dictionary<string, string?> { ["Breakers:ReportInterval"] = "1h" });
        await using var _ = app;
        await using var __ = sandbox;
        var admin = app.Admin();

        var forced = await admin.PostAsJsonAsync("/v1/admin/providers/twilio/circuit", new { mode = "forced-open" });
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        // In force on the silo that answered before the 200: no waiting for its next report.
        var id = await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, "forced"));

        Assert.Equal("vonage", (await tenant.WaitForFinalAsync(id)).Attempts()[0]!["provider"]!.GetValue<string>());
        Assert.Empty(sandbox.Recorder.Messages("twilio"));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/v1/admin/providers/twilio/circuit", new { mode = "sideways" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync("/v1/admin/providers/nope/circuit", new { mode = "auto" })).StatusCode);
        Assert.Equal("open", await CircuitStateAsync(admin, "twilio"));
    }

    [Fact]
    public async Task Invalid_number_fails_at_once_without_trying_the_fallback()
    {
        var (app, sandbox, tenant) = await StartAsync();
        await using var _ = app;
        await using var __ = sandbox;

        var id = await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, "bad-number", phone: "+15005550001"));
        var result = await tenant.WaitForFinalAsync(id);

        Assert.Equal("FAILED", result.State());
        Assert.Single(result.Attempts());
        Assert.Empty(sandbox.Recorder.Messages("vonage"));
    }

    [Fact]
    public async Task Opted_out_user_is_not_apply_and_quiet_hours_defer_normal_but_not_critical()
    {
        var (app, sandbox, tenant) = await StartAsync();
        await using var _ = app;
        await using var __ = sandbox;
        var now = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Africa/Lagos"));
        var quiet = new { start = now.AddHours(-1).ToString("HH:mm"), end = now.AddHours(2).ToString("HH:mm"), timeZone = "Africa/Lagos" };
        Assert.Equal(HttpStatusCode.OK, (await tenant.PutAsJsonAsync("/v1/users/u-quiet/preferences", new { quietHours = quiet })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await tenant.PutAsJsonAsync("/v1/users/u-out/preferences", new { channels = new { sms = false }, types = new { marketing = new { email = false } } })).StatusCode);
        var badPreferences = await tenant.PutAsJsonAsync("/v1/users/u-bad/preferences", new { channels = new { fax = true }, quietHours = new { start = "25:00", end = "07:00", timeZone = "Mars/Base" } });

        var deferred = await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, "q-normal", userId: "u-quiet"));
        var critical = await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, "q-otp", userId: "u-quiet", priority: "critical", type: "otp"));
        var optedOut = await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, "o-normal", userId: "u-out"));
        var optedOutCritical = await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, "o-otp", userId: "u-out", priority: "critical", type: "otp"));

        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(critical)).State());
        Assert.Equal("NOT_APPLY", (await tenant.WaitForFinalAsync(optedOut)).State());
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(optedOutCritical)).State());
        await Task.Delay(500);
        var waiting = await tenant.GetNotificationAsync(deferred);
        Assert.Equal("PENDING", waiting.State());
        Assert.Empty(waiting.Attempts());
        Assert.StartsWith("Quiet hours", waiting["reason"]!.GetValue<string>());
        Assert.True(waiting["nextAttemptAt"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow.AddMinutes(100));
        Assert.Equal(HttpStatusCode.BadRequest, badPreferences.StatusCode);
        var errors = (await badPreferences.ReadJsonAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("channels.fax"));
        Assert.True(errors.ContainsKey("quietHours.start"));
        Assert.True(errors.ContainsKey("quietHours.timeZone"));
    }

    [Fact]
    public async Task Three_sms_per_hour_limit_lets_exactly_three_of_concurrent_submits_go()
    {
        var (app, sandbox, tenant) = await StartAsync();
        await using var _ = app;
        await using var __ = sandbox;

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => SubmitSmsAsync(tenant, $"limit-{i}", userId: "u-limited"))));
        var ids = new List<string>();
        foreach (var response in responses)
        {
            ids.Add(await NotificationsHttp.IdOf(response));
        }
        var states = new List<JsonObject>();
        await Eventually.HoldsAsync(async () =>
        {
            states = [];
            foreach (var id in ids)
            {
                states.Add(await tenant.GetNotificationAsync(id));
            }
            return states.All(s => s.State() != "PENDING" || s["reason"]?.GetValue<string>() is not null);
        }, TimeSpan.FromSeconds(30), "every submit either sent or deferred");

        Assert.Equal(3, states.Count(s => s.State() == "SUCCESS"));
        var deferred = states.Where(s => s.State() == "PENDING").ToList();
        Assert.Equal(7, deferred.Count);
        Assert.All(deferred, s => Assert.StartsWith("Rate limited", s["reason"]!.GetValue<string>()));
        Assert.All(deferred, s => Assert.True(s["nextAttemptAt"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow.AddMinutes(55)));
        Assert.Equal(3, sandbox.Recorder.Messages("twilio").Count);
    }

    [Fact]
    public async Task Templates_are_checked_when_saved_previewed_with_segments_and_rendered_at_send()
    {
        var (app, sandbox, tenant) = await StartAsync();
        await using var _ = app;
        await using var __ = sandbox;

        var broken = await tenant.PutAsJsonAsync("/v1/templates/otp/sms/en", new { smsText = "Code {{code" });
        var saved = await tenant.PutAsJsonAsync("/v1/templates/otp/sms/en", new { smsText = "Your code is {{code}}" });
        var savedPt = await tenant.PutAsJsonAsync("/v1/templates/otp/sms/pt", new { smsText = "Seu código é {{code}} ✓" });
        var email = await tenant.PutAsJsonAsync("/v1/templates/receipt/email/en", new { emailSubject = "Paid {{amount}}", emailHtml = "<b>{{name}}</b> paid" });
        var preview = await (await tenant.PostAsJsonAsync("/v1/templates/otp/sms/preview", new { data = new { code = "123456" }, locale = "pt-BR" })).ReadJsonAsync();
        var htmlPreview = await (await tenant.PostAsJsonAsync("/v1/templates/receipt/email/preview", new { data = new { amount = "R$15", name = "<script>" } })).ReadJsonAsync();
        var missing = await tenant.PostAsJsonAsync("/v1/templates/otp/sms/preview", new { data = new { other = 1 } });
        var submitMissing = await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "t0", type = "otp", channel = "sms", recipient = new { phone = "+2348012345678" }, template = "otp", data = new { nope = 1 },
        });
        var submitted = await NotificationsHttp.IdOf(await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "t1", type = "otp", channel = "sms", priority = "critical",
            recipient = new { phone = "+2348012345678", locale = "pt-BR" }, template = "otp", data = new { code = "987654" },
        }));

        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("smsText", (await broken.ReadJsonAsync())["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, savedPt.StatusCode);
        Assert.Equal(HttpStatusCode.OK, email.StatusCode);
        Assert.Equal("Seu código é 123456 ✓", preview["text"]!.GetValue<string>());
        Assert.Equal("pt", preview["locale"]!.GetValue<string>());
        Assert.Equal("UCS-2", preview["smsEncoding"]!.GetValue<string>());
        Assert.Equal(1, preview["smsSegments"]!.GetValue<int>());
        Assert.Equal("&lt;script&gt; paid", htmlPreview["html"]!.GetValue<string>().Replace("<b>", "").Replace("</b>", ""));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, submitMissing.StatusCode);
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(submitted)).State());
        Assert.Equal("Seu código é 987654 ✓", Assert.Single(sandbox.Recorder.Messages("twilio")).Fields["Body"]);
    }

    [Fact]
    public async Task Signed_twilio_receipt_updates_delivery_status_and_unsigned_is_refused()
    {
        var (app, sandbox, tenant) = await StartAsync(new Dictionary<string, string?> { ["Providers:Twilio:StatusCallbackUrl"] = "http://localhost/v1/providers/twilio/status" });
        await using var _ = app;
        await using var __ = sandbox;
        var id = await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, "receipt"));
        Assert.Equal("SUCCESS", (await tenant.WaitForFinalAsync(id)).State());
        var form = new Dictionary<string, string> { ["MessageSid"] = "SM1", ["MessageStatus"] = "undelivered", ["ErrorCode"] = "30003" };
        var url = $"http://localhost/v1/providers/twilio/status?notificationId={id}";
        var client = app.CreateClient();

        var unsigned = await client.PostAsync(url, new FormUrlEncodedContent(form));
        var signed = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        signed.Headers.Add(TwilioRequestSignature.HeaderName, TwilioRequestSignature.Compute(sandbox.Credentials.TwilioAuthToken, url, form));
        var accepted = await client.SendAsync(signed);

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        var after = await tenant.GetNotificationAsync(id);
        Assert.Equal("SUCCESS", after.State());
        Assert.Equal("undelivered", after["deliveryStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_receipt_for_an_attempt_without_an_answer_completes_it_instead_of_resending()
    {
        var (app, sandbox, tenant) = await StartAsync(new Dictionary<string, string?>
        {
            ["Providers:Twilio:AttemptTimeout"] = "00:00:01",
            ["Providers:Twilio:StatusCallbackUrl"] = "http://localhost/v1/providers/twilio/status",
            ["Delivery:RetrySchedule"] = "30s",
        });
        await using var _ = app;
        await using var __ = sandbox;
        // Twilio takes the message but its answer never arrives in time: the attempt's outcome is unknown.
        sandbox.Faults.Set("twilio", new FaultSettings(TimeoutRate: 1));
        var id = await NotificationsHttp.IdOf(await SubmitSmsAsync(tenant, "no-answer"));
        JsonObject pending;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(100);
            pending = await tenant.GetNotificationAsync(id);
        }
        while (pending.Attempts().Count == 0 && DateTime.UtcNow < deadline);
        Assert.Equal("PENDING", pending.State());
        Assert.Equal("unknown", pending.Attempts()[0]!["outcome"]!.GetValue<string>());

        var form = new Dictionary<string, string> { ["MessageSid"] = "SM1", ["MessageStatus"] = "delivered" };
        var url = $"http://localhost/v1/providers/twilio/status?notificationId={id}";
        var receipt = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        receipt.Headers.Add(TwilioRequestSignature.HeaderName, TwilioRequestSignature.Compute(sandbox.Credentials.TwilioAuthToken, url, form));
        Assert.Equal(HttpStatusCode.NoContent, (await app.CreateClient().SendAsync(receipt)).StatusCode);

        var final = await tenant.GetNotificationAsync(id);
        Assert.Equal("SUCCESS", final.State());
        Assert.Equal("delivered", final["deliveryStatus"]!.GetValue<string>());
        Assert.Single(final.Attempts());
        Assert.Single(sandbox.Recorder.Messages("twilio"));
    }

    [Theory]
    [InlineData(1530, 'a', 202)]
    [InlineData(1531, 'a', 400)]
    [InlineData(670, 'ж', 202)]
    [InlineData(671, 'ж', 400)]
    [InlineData(10_000, 'a', 400)]
    public async Task An_sms_over_ten_segments_is_refused_at_submit_naming_its_size(int length, char letter, int status)
    {
        var (app, sandbox, tenant) = await StartAsync();
        await using var _ = app;
        await using var __ = sandbox;

        var response = await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = $"long-{length}", type = "payment.link", channel = "sms",
            recipient = new { phone = "+2348012345678" }, content = new { text = new string(letter, length) },
        });

        Assert.Equal(status, (int)response.StatusCode);
        if (status == 400)
        {
            var errors = (await response.ReadJsonAsync())["errors"]!["content.text"]![0]!.GetValue<string>();
            Assert.Contains("at most 10 are sent", errors);
            Assert.Contains($"{length} characters", errors);
        }
    }

    [Theory]
    [InlineData(3_900, 202)]
    [InlineData(4_100, 400)]
    public async Task A_push_message_whose_payload_passes_4_KB_with_its_data_is_refused_at_submit(int dataLength, int status)
    {
        var (app, sandbox, tenant) = await StartAsync();
        await using var _ = app;
        await using var __ = sandbox;

        var response = await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = $"push-{dataLength}", type = "security.alert", channel = "push",
            recipient = new { deviceToken = "device-token-1", platform = "android" }, content = new { subject = "New login", text = "From Lagos" },
            data = new { detail = new string('d', dataLength) },
        });

        Assert.Equal(status, (int)response.StatusCode);
        if (status == 400)
        {
            Assert.Contains("providers take at most 4,096", (await response.ReadJsonAsync())["errors"]!["content"]![0]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_template_that_renders_past_the_limit_is_refused_at_submit()
    {
        var (app, sandbox, tenant) = await StartAsync(new Dictionary<string, string?> { ["Messages:SmsMaxSegments"] = "2" });
        await using var _ = app;
        await using var __ = sandbox;
        (await tenant.PutAsJsonAsync("/v1/templates/note/sms/en", new { smsText = "Note: {{note}}" })).EnsureSuccessStatusCode();

        var fits = await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "fits", type = "payment.link", channel = "sms", recipient = new { phone = "+2348012345678" }, template = "note", data = new { note = new string('a', 290) },
        });
        var tooLong = await tenant.PostAsJsonAsync("/v1/notifications", new
        {
            idempotencyKey = "too-long", type = "payment.link", channel = "sms", recipient = new { phone = "+2348012345678" }, template = "note", data = new { note = new string('a', 301) },
        });

        Assert.Equal(HttpStatusCode.Accepted, fits.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("3 segments", (await tooLong.ReadJsonAsync())["errors"]!["template"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task An_sms_or_push_over_its_limit_that_reaches_a_silo_past_the_API_fails_at_once_without_reaching_a_provider()
    {
        var (app, sandbox, tenant) = await StartAsync(new Dictionary<string, string?> { ["Messages:SmsMaxSegments"] = "1" });
        await using var _ = app;
        await using var __ = sandbox;
        var created = await (await app.Admin().PostAsJsonAsync("/v1/admin/tenants", new { name = "in-cluster" })).ReadJsonAsync();
        var tenantId = created["id"]!.GetValue<string>();
        var owner = app.Tenant(created["apiKey"]!.GetValue<string>());
        // Straight to the grain, as a .NET service in the cluster may send it: no API check on the way.
        var request = new NotificationRequest
        {
            IdempotencyKey = "past-the-api", Type = "payment.link", Channel = Channel.Sms,
            Recipient = new Recipient { Phone = "+2348012345678" },
            Content = new MessageContent { Text = new string('a', 161) },
        };
        var grains = app.Services.GetRequiredService<Orleans.IGrainFactory>();
        var id = PaymentNotifications.Grains.Interfaces.Notifications.NotificationId.For(tenantId, request.IdempotencyKey);
        await grains.GetGrain<PaymentNotifications.Grains.Interfaces.Notifications.INotificationGrain>(id)
            .Submit(tenantId, request, PaymentNotifications.Api.NotificationsApi.RequestHash(request));

        var final = await owner.WaitForFinalAsync(id);

        var push = request with
        {
            IdempotencyKey = "push-past-the-api", Channel = Channel.Push,
            Recipient = new Recipient { DeviceToken = "device-token-1", Platform = PushPlatform.Android },
            Content = new MessageContent { Subject = "New login", Text = "From Lagos" },
            Data = System.Text.Json.JsonSerializer.SerializeToElement(new { detail = new string('d', 5_000) }),
        };
        var pushId = PaymentNotifications.Grains.Interfaces.Notifications.NotificationId.For(tenantId, push.IdempotencyKey);
        await grains.GetGrain<PaymentNotifications.Grains.Interfaces.Notifications.INotificationGrain>(pushId)
            .Submit(tenantId, push, PaymentNotifications.Api.NotificationsApi.RequestHash(push));
        var pushFinal = await owner.WaitForFinalAsync(pushId);

        Assert.Equal("FAILED", final.State());
        Assert.Contains("2 segments", Assert.Single(final.Attempts())!["error"]!.GetValue<string>());
        Assert.Empty(sandbox.Recorder.Messages("twilio"));
        Assert.Empty(sandbox.Recorder.Messages("vonage"));
        Assert.Equal("FAILED", pushFinal.State());
        Assert.Contains("providers take at most", Assert.Single(pushFinal.Attempts())!["error"]!.GetValue<string>());
        Assert.Empty(sandbox.Recorder.Messages("fcm"));
        Assert.Empty(sandbox.Recorder.Messages("apns"));
    }

    [Fact]
    public async Task A_template_that_amplifies_its_data_is_refused_when_saved_or_stopped_at_its_limit_when_previewed()
    {
        var (app, sandbox, tenant) = await StartAsync();
        await using var _ = app;
        await using var __ = sandbox;

        var nested = await tenant.PutAsJsonAsync("/v1/templates/grow/email/en", new { emailSubject = "Hi", emailText = "{{#each a}}{{#each ../a}}{{#each ../../a}}x{{/each}}{{/each}}{{/each}}" });
        (await tenant.PutAsJsonAsync("/v1/templates/wide/email/en", new { emailSubject = "Hi", emailText = "{{#each items}}{{../blob}}{{/each}}" })).EnsureSuccessStatusCode();
        var preview = await tenant.PostAsJsonAsync("/v1/templates/wide/email/preview", new
        {
            data = new { items = Enumerable.Range(0, 2_000).ToArray(), blob = new string('x', 1_000) },
        });

        Assert.Equal(HttpStatusCode.BadRequest, nested.StatusCode);
        Assert.Contains("inside another", (await nested.ReadJsonAsync())["errors"]!["emailText"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, preview.StatusCode);
        Assert.Contains("more than 500,000 characters", (await preview.Content.ReadAsStringAsync()));
    }

    private static async Task<string> CircuitStateAsync(HttpClient admin, string provider)
    {
        var providers = await (await admin.GetAsync("/v1/admin/providers")).ReadJsonAsync();
        return providers["providers"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == provider)!["circuitState"]!.GetValue<string>();
    }

    private static async Task<TimeSpan> WaitForCircuitAsync(HttpClient admin, string provider, Func<string, bool> state, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!state(await CircuitStateAsync(admin, provider)))
        {
            Assert.True(clock.Elapsed < timeout, $"{provider} circuit never reached the expected state");
            await Task.Delay(50);
        }
        return clock.Elapsed;
    }
}

public sealed class MemoryChannelDeliveryTests(ITestOutputHelper output) : ChannelDeliveryTests(output)
{
    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

public sealed class PostgresChannelDeliveryTests(ITestOutputHelper output) : ChannelDeliveryTests(output)
{
    protected override async Task<string?> ConnectionStringAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync("channels");
}
