using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.LoadTest.Load;

namespace PaymentNotifications.Tests.LoadTest;

public sealed class WorkloadTests
{
    [Fact]
    public void A_phone_number_is_matched_with_or_without_its_plus_as_sms_providers_write_it()
    {
        var log = new global::PaymentNotifications.LoadTest.Measure.SubmissionLog();
        log.Note(new PlannedRequest(1, RequestKind.New, "k-1", Channel.Sms, null, "+2348012345678", []), "ntf_1", DateTimeOffset.UnixEpoch);
        log.Note(new PlannedRequest(2, RequestKind.New, "k-2", Channel.Email, null, "ana@example.com", []), "ntf_2", DateTimeOffset.UnixEpoch);

        Assert.Equal("ntf_1", log.IdForAddress("+2348012345678"));
        Assert.Equal("ntf_1", log.IdForAddress("2348012345678"));
        Assert.Equal("ntf_2", log.IdForAddress("ana@example.com"));
        Assert.Null(log.IdForAddress("2348012345679"));
    }

    [Fact]
    public void The_mix_parses_relative_weights_and_picks_by_share()
    {
        var mix = ChannelMix.Parse("webhook=3, sms=1");
        var random = new Random(7);
        var picks = Enumerable.Range(0, 40_000).Select(_ => mix.Pick(random.NextDouble())).ToList();

        Assert.Equal(0.75, picks.Count(c => c == Channel.Webhook) / 40_000.0, 2);
        Assert.Equal(0.25, picks.Count(c => c == Channel.Sms) / 40_000.0, 2);
        Assert.DoesNotContain(Channel.Email, picks);
    }

    [Theory]
    [InlineData("fax=1")]
    [InlineData("webhook=-1")]
    [InlineData("webhook=0")]
    [InlineData("1=1")]
    public void A_bad_mix_is_refused(string text)
    {
        Assert.Throws<FormatException>(() => ChannelMix.Parse(text));
    }

    [Fact]
    public void Fresh_requests_are_valid_notifications_with_unique_keys_and_addresses()
    {
        var workload = new Workload(new WorkloadOptions { Mix = ChannelMix.Parse("webhook,sms,email,push"), RunId = "r1" });
        var requests = Enumerable.Range(0, 400).Select(_ => workload.Next()).ToList();

        Assert.All(requests, r => Assert.Equal(RequestKind.New, r.Kind));
        Assert.Equal(requests.Count, requests.Select(r => r.IdempotencyKey).Distinct().Count());
        Assert.All(Enum.GetValues<Channel>(), channel => Assert.Contains(requests, r => r.Channel == channel));
        var addresses = requests.Where(r => r.Channel != Channel.Webhook).Select(r => r.Address).ToList();
        Assert.Equal(addresses.Count, addresses.Distinct().Count());
        foreach (var request in requests)
        {
            using var body = JsonDocument.Parse(request.Body);
            var root = body.RootElement;
            Assert.Equal(request.IdempotencyKey, root.GetProperty("idempotencyKey").GetString());
            Assert.Equal(WireNames.Of(request.Channel), root.GetProperty("channel").GetString());
            var recipient = root.GetProperty("recipient");
            switch (request.Channel)
            {
                case Channel.Webhook:
                    Assert.StartsWith("m-", recipient.GetProperty("merchantId").GetString());
                    Assert.False(root.TryGetProperty("content", out _));
                    break;
                case Channel.Sms:
                    Assert.Matches(@"^\+[1-9][0-9]{7,14}$", recipient.GetProperty("phone").GetString()!);
                    Assert.True(root.TryGetProperty("content", out _));
                    break;
                case Channel.Email:
                    Assert.Contains('@', recipient.GetProperty("email").GetString()!);
                    break;
                default:
                    Assert.Equal(64, recipient.GetProperty("deviceToken").GetString()!.Length);
                    Assert.Contains(recipient.GetProperty("platform").GetString(), new[] { "android", "ios" });
                    break;
            }
        }
    }

    [Fact]
    public void Duplicates_repeat_an_accepted_request_byte_for_byte()
    {
        var workload = new Workload(new WorkloadOptions { DuplicateShare = 0.5, RunId = "dup" });
        var accepted = new Dictionary<string, byte[]>();
        var duplicates = 0;
        for (var i = 0; i < 2000; i++)
        {
            var request = workload.Next();
            if (request.Kind == RequestKind.Duplicate)
            {
                duplicates++;
                Assert.Equal(accepted[request.IdempotencyKey], request.Body);
            }
            else
            {
                accepted[request.IdempotencyKey] = request.Body;
                workload.Accepted(request);
            }
        }

        Assert.InRange(duplicates, 850, 1150);
    }

    [Fact]
    public void Nothing_is_repeated_before_something_was_accepted()
    {
        var workload = new Workload(new WorkloadOptions { DuplicateShare = 1, RunId = "none" });

        Assert.All(Enumerable.Range(0, 50).Select(_ => workload.Next()), r => Assert.Equal(RequestKind.New, r.Kind));
    }

    [Fact]
    public void Invalid_requests_have_their_share_and_lack_a_required_field()
    {
        var workload = new Workload(new WorkloadOptions { InvalidShare = 0.2, RunId = "bad" });
        var requests = Enumerable.Range(0, 5000).Select(_ => workload.Next()).ToList();
        var invalid = requests.Where(r => r.Kind == RequestKind.Invalid).ToList();

        Assert.InRange(invalid.Count, 900, 1100);
        Assert.All(invalid, r =>
        {
            using var body = JsonDocument.Parse(r.Body);
            Assert.False(body.RootElement.GetProperty("recipient").TryGetProperty("merchantId", out _));
        });
    }

    [Fact]
    public void Shares_that_cannot_add_up_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new Workload(new WorkloadOptions { DuplicateShare = 0.7, InvalidShare = 0.5 }));
    }
}
