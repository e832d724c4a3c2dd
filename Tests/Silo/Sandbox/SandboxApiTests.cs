using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Tests.Grains.Channels;
using Xunit;

namespace PaymentNotifications.Tests.Silo.Sandbox;

/// <summary>The sandboxes answer raw HTTP the way the providers do, and expose what they recorded.</summary>
public sealed class SandboxApiTests : SandboxTest
{
    [Fact]
    public async Task Twilio_answers_201_with_the_message_resource()
    {
        var response = await TwilioSend(Sandbox.Credentials.TwilioAuthToken, "+4915112345678");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("SM", (string?)body["sid"]);
        Assert.Equal("queued", (string?)body["status"]);
        Assert.Equal(Sandbox.Credentials.TwilioAccountSid, (string?)body["account_sid"]);
        Assert.Equal("+4915112345678", (string?)body["to"]);
    }

    [Fact]
    public async Task Twilio_refuses_a_number_that_is_not_e164_with_error_21211()
    {
        var response = await TwilioSend(Sandbox.Credentials.TwilioAuthToken, "015112345678");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(21211, (int)body["code"]!);
        Assert.Equal(400, (int)body["status"]!);
        Assert.Equal("https://www.twilio.com/docs/errors/21211", (string?)body["more_info"]);
    }

    [Fact]
    public async Task Twilio_refuses_wrong_credentials_with_401()
    {
        var response = await TwilioSend("wrong-token", "+4915112345678");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(20003, (int)body["code"]!);
    }

    [Fact]
    public async Task Fcm_token_endpoint_refuses_a_grant_that_is_not_a_signed_jwt()
    {
        var response = await Http.PostAsync(new Uri(Sandbox.BaseUrl, "sandbox/fcm/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = "a.b.c",
        }));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", (string?)body["error"]);
    }

    [Fact]
    public async Task Fcm_send_without_an_access_token_is_unauthenticated()
    {
        var response = await Http.PostAsync(
            new Uri(Sandbox.BaseUrl, $"sandbox/fcm/v1/projects/{Sandbox.Credentials.FcmProjectId}/messages:send"),
            new StringContent("""{"message":{"token":"t"}}""", Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("UNAUTHENTICATED", (string?)body["error"]!["status"]);
    }

    [Fact]
    public async Task Apns_without_a_provider_token_is_forbidden()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Sandbox.Http2BaseUrl, "sandbox/apns/3/device/abc"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent("""{"aps":{}}""", Encoding.UTF8, "application/json"),
        };

        var response = await Http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("MissingProviderToken", (string?)body["reason"]);
    }

    [Fact]
    public async Task Recorded_messages_are_listed_and_cleared_through_the_api()
    {
        var sent = await new MailgunEmailAdapter(Http, Sandbox.MailgunOptions()).SendAsync(TestMessages.Email("payer@example.com"), CancellationToken.None);

        var listed = await Http.GetFromJsonAsync<JsonArray>(new Uri(Sandbox.BaseUrl, "sandbox/mailgun/messages"));
        var cleared = await Http.DeleteAsync(new Uri(Sandbox.BaseUrl, "sandbox/mailgun/messages"));

        var message = Assert.Single(listed!)!;
        Assert.Equal(sent.ProviderMessageId, (string?)message["id"]);
        Assert.Equal("payer@example.com", (string?)message["fields"]!["to"]);
        Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        Assert.Empty(Sandbox.Recorder.Messages("mailgun"));
    }

    private Task<HttpResponseMessage> TwilioSend(string authToken, string to)
    {
        var sid = Sandbox.Credentials.TwilioAccountSid;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Sandbox.BaseUrl, $"sandbox/twilio/2010-04-01/Accounts/{sid}/Messages.json"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["To"] = to, ["From"] = "+15005550006", ["Body"] = "hello" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sid}:{authToken}")));
        return Http.SendAsync(request);
    }
}
