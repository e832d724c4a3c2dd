using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using PaymentNotifications.Grains.Webhooks;

namespace PaymentNotifications.LoadTest.Receiving;

/// <summary>Faults the receiver injects, changeable while it runs.</summary>
public sealed class ReceiverFaults
{
    private double _errorRate;
    private volatile bool _down;

    /// <summary>Share of deliveries answered 500, between 0 and 1.</summary>
    public double ErrorRate
    {
        get => Volatile.Read(ref _errorRate);
        set => Volatile.Write(ref _errorRate, value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A rate is between 0 and 1."));
    }

    /// <summary>Answer every delivery 503, as a receiver that is down.</summary>
    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    /// <summary>The status to answer now.</summary>
    internal int Decide() => Down ? 503 : ErrorRate > 0 && Random.Shared.NextDouble() < ErrorRate ? 500 : 200;
}

/// <summary>
/// The merchants' webhook receiver of a load run: Kestrel on 127.0.0.1 that records the arrival time of every
/// delivery by its <c>webhook-id</c> (the notification id), answers as <see cref="Faults"/> say, and optionally checks
/// each Standard Webhooks signature.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeProvider _time;
    private readonly WebhookSecret[] _secrets;
    private long _badSignatures;

    private WebhookReceiver(WebApplication app, DeliveryArrivals arrivals, TimeProvider time, IEnumerable<string> verifySecrets)
    {
        _app = app;
        _time = time;
        Arrivals = arrivals;
        _secrets = verifySecrets.Select(WebhookSecret.Parse).ToArray();
    }

    public DeliveryArrivals Arrivals { get; }

    public ReceiverFaults Faults { get; } = new();

    /// <summary>The URL to register as a merchant's endpoint, e.g. http://127.0.0.1:41234/hooks.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Deliveries whose signature did not verify (only counted with verification on).</summary>
    public long BadSignatures => Interlocked.Read(ref _badSignatures);

    public bool VerifiesSignatures => _secrets.Length > 0;

    /// <summary>Starts a receiver on 127.0.0.1 (port 0: a free one).</summary>
    /// <param name="verifySecrets">Secrets to verify signatures with; none to skip verification.</param>
    public static async Task<WebhookReceiver> StartAsync(
        DeliveryArrivals arrivals, int port = 0, IEnumerable<string>? verifySecrets = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        ListenOptions? listener = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port, listen => { listen.Protocols = HttpProtocols.Http1AndHttp2; listener = listen; });
        });
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, arrivals, time ?? TimeProvider.System, verifySecrets ?? []);
        app.MapPost("/hooks/{**rest}", receiver.HandleAsync);
        await app.StartAsync(cancellationToken);
        receiver.Url = new Uri($"http://{listener!.IPEndPoint!.Address}:{listener.IPEndPoint.Port}/hooks");
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var id = context.Request.Headers[WebhookSignature.IdHeader].ToString();
        var body = await ReadBodyAsync(context.Request.BodyReader, context.RequestAborted);
        if (id.Length == 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        if (_secrets.Length > 0)
        {
            var headers = context.Request.Headers;
            var verdict = WebhookSignature.Verify(id, headers[WebhookSignature.TimestampHeader], headers[WebhookSignature.SignatureHeader], body, _secrets, _time.GetUtcNow());
            if (verdict != WebhookVerification.Valid)
            {
                Interlocked.Increment(ref _badSignatures);
            }
        }
        var status = Faults.Decide();
        Arrivals.Record(id, _time.GetUtcNow(), status);
        context.Response.StatusCode = status;
    }

    private static async Task<byte[]> ReadBodyAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            if (read.IsCompleted || read.IsCanceled)
            {
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return bytes;
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
