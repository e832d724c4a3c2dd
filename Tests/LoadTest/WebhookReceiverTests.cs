using System.Net;
using PaymentNotifications.Grains.Webhooks;
using PaymentNotifications.LoadTest.Receiving;

namespace PaymentNotifications.Tests.LoadTest;

public sealed class WebhookReceiverTests
{
    private static HttpRequestMessage Signed(Uri url, string id, string body, WebhookSecret secret)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        var headers = WebhookSignature.CreateHeaders(id, DateTimeOffset.UtcNow, bytes, [secret]);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, headers.Id);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, headers.Timestamp);
        request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, headers.Signature);
        return request;
    }

    [Fact]
    public async Task Each_arrival_is_recorded_by_webhook_id_and_bad_signatures_are_counted()
    {
        var secret = WebhookSecret.Generate();
        var arrivals = new DeliveryArrivals(keepAll: true);
        await using var receiver = await WebhookReceiver.StartAsync(arrivals, verifySecrets: [secret.Value]);
        using var http = new HttpClient();
        var url = new Uri(receiver.Url + "/m-1");

        using var first = await http.SendAsync(Signed(url, "ntf_a", """{"id":"ntf_a"}""", secret));
        using var again = await http.SendAsync(Signed(url, "ntf_a", """{"id":"ntf_a"}""", secret));
        using var forged = await http.SendAsync(Signed(url, "ntf_b", """{"id":"ntf_b"}""", WebhookSecret.Generate()));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(2, arrivals.Find("ntf_a")!.Deliveries);
        Assert.Equal(2, arrivals.Find("ntf_a")!.All.Count);
        Assert.Equal(2, arrivals.UniqueDelivered);
        Assert.Equal(1, receiver.BadSignatures);
    }

    [Fact]
    public async Task A_receiver_that_is_down_answers_503_and_records_the_refusal()
    {
        var arrivals = new DeliveryArrivals(keepAll: true);
        await using var receiver = await WebhookReceiver.StartAsync(arrivals);
        receiver.Faults.Down = true;
        using var http = new HttpClient();

        using var refused = await http.SendAsync(Signed(receiver.Url, "ntf_c", "{}", WebhookSecret.Generate()));
        receiver.Faults.Down = false;
        using var taken = await http.SendAsync(Signed(receiver.Url, "ntf_c", "{}", WebhookSecret.Generate()));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        var record = arrivals.Find("ntf_c")!;
        Assert.Equal(1, record.Refusals);
        Assert.Equal(1, record.Deliveries);
        Assert.Equal([503, 200], record.All.Select(a => a.Answered));
    }
}
