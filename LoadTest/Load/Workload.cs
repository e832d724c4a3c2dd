using System.Globalization;
using System.Text;
using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.LoadTest.Load;

/// <summary>What a generated request is meant to test.</summary>
public enum RequestKind
{
    /// <summary>A fresh idempotency key: expect 202.</summary>
    New,

    /// <summary>An earlier accepted request sent again with the same key and body: expect 200 and the same notification.</summary>
    Duplicate,

    /// <summary>A request the API must refuse: expect 400 and nothing created.</summary>
    Invalid,
}

/// <summary>One request of the workload, serialized once.</summary>
/// <param name="Sequence">Position in the run; duplicates keep the sequence of the request they repeat.</param>
/// <param name="Address">Where a delivery will be seen: the phone, e-mail address or device token (null for webhooks, seen by id).</param>
public sealed record PlannedRequest(long Sequence, RequestKind Kind, string IdempotencyKey, Channel Channel, string? MerchantId, string? Address, byte[] Body);

/// <summary>Settings of the generated notifications.</summary>
public sealed record WorkloadOptions
{
    /// <summary>Channel shares. Default webhooks only.</summary>
    public ChannelMix Mix { get; init; } = ChannelMix.WebhooksOnly;

    /// <summary>Share of requests that repeat an earlier accepted one (same key, same body). Default 0.</summary>
    public double DuplicateShare { get; init; }

    /// <summary>Share of requests that are invalid (400 expected). Default 0.</summary>
    public double InvalidShare { get; init; }

    /// <summary>Merchants the webhooks are spread over (each one endpoint grain). Default 64.</summary>
    public int Merchants { get; init; } = 64;

    /// <summary>Prefix of every idempotency key, unique per run so runs against one tenant never collide. Default a random one.</summary>
    public string RunId { get; init; } = Guid.NewGuid().ToString("N")[..10];

    /// <summary>Seed of the dice that pick channel and kind. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Problems with these settings; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (DuplicateShare is < 0 or > 1 || double.IsNaN(DuplicateShare)) problems.Add("the duplicate share must be between 0 and 1");
        if (InvalidShare is < 0 or > 1 || double.IsNaN(InvalidShare)) problems.Add("the invalid share must be between 0 and 1");
        if (DuplicateShare + InvalidShare > 1) problems.Add("duplicate and invalid shares add up to more than 1");
        if (Merchants < 1) problems.Add("at least one merchant is needed");
        if (RunId.Length is 0 or > 40 || RunId.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-')) problems.Add("the run id must be 1-40 letters, digits or '-'");
        return problems;
    }
}

/// <summary>
/// Generates the requests of a run: fresh notifications by the channel mix, repeats of accepted ones and invalid
/// ones by their shares. Thread-safe; bodies are serialized once per request.
/// </summary>
public sealed class Workload
{
    private const int RecentCapacity = 4096;
    private readonly Lock _lock = new();
    private readonly Random _dice;
    private readonly PlannedRequest[] _recent = new PlannedRequest[RecentCapacity];
    private long _recentCount;
    private long _sequence;

    public Workload(WorkloadOptions options)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid workload: " + string.Join("; ", problems) + ".", nameof(options));
        }
        Options = options;
        _dice = new Random(options.Seed);
    }

    public WorkloadOptions Options { get; }

    /// <summary>Fresh notifications generated so far.</summary>
    public long Generated => Interlocked.Read(ref _sequence);

    /// <summary>The merchant ids webhooks are addressed to.</summary>
    public IEnumerable<string> MerchantIds => Enumerable.Range(0, Options.Merchants).Select(MerchantId);

    public static string MerchantId(int index) => $"m-{index}";

    /// <summary>The next request of the run.</summary>
    public PlannedRequest Next()
    {
        double kindDraw, channelDraw, pickDraw;
        lock (_lock)
        {
            kindDraw = _dice.NextDouble();
            channelDraw = _dice.NextDouble();
            pickDraw = _dice.NextDouble();
        }
        if (kindDraw < Options.InvalidShare)
        {
            return Invalid(Interlocked.Increment(ref _sequence));
        }
        if (kindDraw < Options.InvalidShare + Options.DuplicateShare && PickRecent(pickDraw) is { } earlier)
        {
            return earlier with { Kind = RequestKind.Duplicate };
        }
        return Fresh(Interlocked.Increment(ref _sequence), Options.Mix.Pick(channelDraw));
    }

    /// <summary>Tells the workload a fresh request was accepted, so later duplicates can repeat it.</summary>
    public void Accepted(PlannedRequest request)
    {
        if (request.Kind != RequestKind.New)
        {
            return;
        }
        lock (_lock)
        {
            _recent[_recentCount % RecentCapacity] = request;
            _recentCount++;
        }
    }

    /// <summary>The fresh request of a given sequence number and channel; the same inputs give the same bytes.</summary>
    public PlannedRequest Fresh(long sequence, Channel channel)
    {
        var key = $"{Options.RunId}-{sequence.ToString(CultureInfo.InvariantCulture)}";
        string? merchant = null, address = null;
        using var buffer = new MemoryStream(384);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("idempotencyKey", key);
            json.WriteString("type", channel == Channel.Webhook ? "charge.paid" : "payment.alert");
            json.WriteString("channel", WireNames.Of(channel));
            json.WriteStartObject("recipient");
            switch (channel)
            {
                case Channel.Webhook:
                    merchant = MerchantId((int)(sequence % Options.Merchants));
                    json.WriteString("merchantId", merchant);
                    break;
                case Channel.Sms:
                    address = Phone(sequence);
                    json.WriteString("phone", address);
                    break;
                case Channel.Email:
                    address = $"n{sequence.ToString(CultureInfo.InvariantCulture)}.{Options.RunId}@loadtest.example";
                    json.WriteString("email", address);
                    break;
                default:
                    address = DeviceToken(sequence);
                    json.WriteString("deviceToken", address);
                    json.WriteString("platform", sequence % 2 == 0 ? "android" : "ios");
                    break;
            }
            json.WriteEndObject();
            json.WriteStartObject("data");
            json.WriteString("chargeId", $"ch_{sequence.ToString(CultureInfo.InvariantCulture)}");
            json.WriteNumber("amount", 1500 + (sequence % 1000));
            json.WriteString("currency", "BRL");
            json.WriteEndObject();
            if (channel != Channel.Webhook)
            {
                json.WriteStartObject("content");
                json.WriteString("subject", "Payment received");
                json.WriteString("text", $"Charge ch_{sequence.ToString(CultureInfo.InvariantCulture)} was paid.");
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return new PlannedRequest(sequence, RequestKind.New, key, channel, merchant, address, buffer.ToArray());
    }

    /// <summary>An E.164 number unique per sequence within a run, away from any provider's magic test numbers.</summary>
    public static string Phone(long sequence) => "+4477" + (sequence % 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture);

    /// <summary>A 64-hex-digit device token unique per sequence within a run.</summary>
    public string DeviceToken(long sequence) =>
        (Convert.ToHexStringLower(Encoding.ASCII.GetBytes(Options.RunId.PadRight(16, '0')[..16])) + sequence.ToString("x32", CultureInfo.InvariantCulture))[..64];

    private PlannedRequest Invalid(long sequence)
    {
        // A webhook without its merchant: the API must answer 400 and create nothing.
        var key = $"{Options.RunId}-bad-{sequence.ToString(CultureInfo.InvariantCulture)}";
        var body = Encoding.UTF8.GetBytes("{\"idempotencyKey\":\"" + key + "\",\"type\":\"charge.paid\",\"channel\":\"webhook\",\"recipient\":{}}");
        return new PlannedRequest(sequence, RequestKind.Invalid, key, Channel.Webhook, null, null, body);
    }

    private PlannedRequest? PickRecent(double draw)
    {
        lock (_lock)
        {
            var available = (int)Math.Min(_recentCount, RecentCapacity);
            return available == 0 ? null : _recent[(int)(draw * available) % available];
        }
    }
}
