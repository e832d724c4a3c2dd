using System.Net;
using System.Net.Http.Json;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Silo.Sandbox;
using PaymentNotifications.Tests.Grains.Channels;
using Xunit;

namespace PaymentNotifications.Tests.Silo.Sandbox;

public sealed class SandboxFaultTests : SandboxTest
{
    [Fact]
    public async Task Error_rate_fails_about_that_share_of_requests()
    {
        Sandbox.Faults.Set("vonage", new FaultSettings(ErrorRate: 0.3));

        var outcomes = await SendMany(Sandbox, 200);

        var failed = outcomes.Count(o => o == ProviderOutcome.Retryable);
        Assert.InRange(failed, 40, 80);
        Assert.Equal(200 - failed, Sandbox.Recorder.Messages("vonage").Count);
    }

    [Fact]
    public async Task Same_seed_fails_the_same_requests()
    {
        await using var twin = await SandboxProviders.StartAsync(Options);
        Sandbox.Faults.Set("vonage", new FaultSettings(ErrorRate: 0.5));
        twin.Faults.Set("vonage", new FaultSettings(ErrorRate: 0.5));

        var first = await SendMany(Sandbox, 40);
        var second = await SendMany(twin, 40);

        Assert.Equal(first, second);
        Assert.Contains(ProviderOutcome.Success, first);
        Assert.Contains(ProviderOutcome.Retryable, first);
    }

    [Fact]
    public async Task Down_provider_answers_503_to_every_request()
    {
        Sandbox.Faults.Set("mailgun", new FaultSettings(Down: true));
        var adapter = new MailgunEmailAdapter(Http, Sandbox.MailgunOptions());

        for (var i = 0; i < 3; i++)
        {
            var result = await adapter.SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);
            Assert.Equal(503, result.StatusCode);
        }

        Assert.Empty(Sandbox.Recorder.Messages("mailgun"));
    }

    [Fact]
    public async Task Faults_of_one_provider_leave_the_others_alone()
    {
        Sandbox.Faults.Set("mailgun", new FaultSettings(Down: true));

        var result = await new SendGridEmailAdapter(Http, Sandbox.SendGridOptions()).SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task Added_latency_holds_the_answer_past_a_shorter_client_timeout()
    {
        Sandbox.Faults.Set("twilio", new FaultSettings(LatencyMs: 10_000));
        var options = Sandbox.TwilioOptions();
        options.AttemptTimeout = TimeSpan.FromSeconds(1);

        var result = await new TwilioSmsAdapter(Http, options).SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Unknown, result.Outcome);
        Assert.Empty(Sandbox.Recorder.Messages("twilio"));
    }

    [Fact]
    public async Task Faults_are_set_at_run_time_through_the_api()
    {
        var put = await Http.PutAsJsonAsync(new Uri(Sandbox.BaseUrl, "sandbox/twilio/faults"), new { errorRate = 1.0 });
        var failing = await new TwilioSmsAdapter(Http, Sandbox.TwilioOptions()).SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);
        await Http.PutAsJsonAsync(new Uri(Sandbox.BaseUrl, "sandbox/twilio/faults"), new { errorRate = 0.0 });
        var working = await new TwilioSmsAdapter(Http, Sandbox.TwilioOptions()).SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(ProviderOutcome.Retryable, failing.Outcome);
        Assert.Equal(ProviderOutcome.Success, working.Outcome);
    }

    [Fact]
    public async Task Current_faults_are_readable_through_the_api()
    {
        Sandbox.Faults.Set("fcm", new FaultSettings(ErrorRate: 0.25, LatencyMs: 10, Down: true));

        var faults = await Http.GetFromJsonAsync<FaultSettings>(new Uri(Sandbox.BaseUrl, "sandbox/fcm/faults"));

        Assert.Equal(new FaultSettings(ErrorRate: 0.25, LatencyMs: 10, Down: true), faults);
    }

    [Fact]
    public async Task Invalid_faults_are_refused()
    {
        var response = await Http.PutAsJsonAsync(new Uri(Sandbox.BaseUrl, "sandbox/twilio/faults"), new { errorRate = 1.5 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(FaultSettings.None, Sandbox.Faults.Get("twilio"));
    }

    [Fact]
    public async Task Unknown_provider_is_not_found()
    {
        var response = await Http.PutAsJsonAsync(new Uri(Sandbox.BaseUrl, "sandbox/pigeon/faults"), new { errorRate = 0.1 });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<List<ProviderOutcome>> SendMany(SandboxProviders sandbox, int count)
    {
        var adapter = new VonageSmsAdapter(Http, sandbox.VonageOptions());
        var outcomes = new List<ProviderOutcome>();
        for (var i = 0; i < count; i++)
        {
            outcomes.Add((await adapter.SendAsync(TestMessages.Sms("+4915112345678"), CancellationToken.None)).Outcome);
        }

        return outcomes;
    }
}
