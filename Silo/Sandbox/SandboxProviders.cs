using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using PaymentNotifications.Grains.Channels;

namespace PaymentNotifications.Silo.Sandbox;

/// <summary>
/// All sandbox providers on a standalone Kestrel at 127.0.0.1 with two listeners on free ports: HTTP/1.1, and
/// HTTP/2 cleartext (prior knowledge) for APNs. Gives the adapter settings that match its accounts.
/// </summary>
public sealed class SandboxProviders : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SandboxProviders(WebApplication app, Uri baseUrl, Uri http2BaseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Http2BaseUrl = http2BaseUrl;
        Context = app.Services.GetRequiredService<SandboxContext>();
    }

    /// <summary>The HTTP/1.1 listener, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The HTTP/2-only cleartext listener (APNs).</summary>
    public Uri Http2BaseUrl { get; }

    public SandboxContext Context { get; }

    public SandboxCredentials Credentials => Context.Credentials;

    public SandboxRecorder Recorder => Context.Recorder;

    public SandboxFaults Faults => Context.Faults;

    /// <summary>Starts the sandboxes with freshly generated credentials.</summary>
    public static async Task<SandboxProviders> StartAsync(SandboxOptions? options = null, CancellationToken cancellationToken = default)
    {
        var credentials = SandboxCredentials.Generate();
        // Args keep the host from watching configuration files, which many short-lived test hosts would exhaust.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        ListenOptions? http1 = null, http2 = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => { listen.Protocols = HttpProtocols.Http1; http1 = listen; });
            kestrel.Listen(IPAddress.Loopback, 0, listen => { listen.Protocols = HttpProtocols.Http2; http2 = listen; });
        });
        builder.Services.AddSandboxProviders(credentials, configured =>
        {
            if (options is null)
            {
                return;
            }

            configured.RandomSeed = options.RandomSeed;
            configured.SendGridEventWebhookUrl = options.SendGridEventWebhookUrl;
            configured.HangLimit = options.HangLimit;
            configured.AccessTokenLifetime = options.AccessTokenLifetime;
        });

        var app = builder.Build();
        app.MapSandboxProviders();
        await app.StartAsync(cancellationToken);

        // Kestrel writes the bound port back into each listener's endpoint.
        return new SandboxProviders(app, Url(http1!), Url(http2!));
    }

    public TwilioOptions TwilioOptions() => Credentials.TwilioOptions(BaseUrl);

    public VonageOptions VonageOptions() => Credentials.VonageOptions(BaseUrl);

    public SendGridOptions SendGridOptions() => Credentials.SendGridOptions(BaseUrl);

    public MailgunOptions MailgunOptions() => Credentials.MailgunOptions(BaseUrl);

    public FcmOptions FcmOptions() => Credentials.FcmOptions(BaseUrl);

    /// <summary>APNs settings on the HTTP/2 listener (HTTP/2 with RequestVersionExact).</summary>
    public ApnsOptions ApnsOptions() => Credentials.ApnsOptions(Http2BaseUrl, http2: true);

    /// <summary>Configuration entries (<c>Providers:*</c>) pointing every adapter at these sandboxes.</summary>
    public IReadOnlyDictionary<string, string?> AdapterConfiguration() => Credentials.AdapterConfiguration(BaseUrl, Http2BaseUrl);

    public async ValueTask DisposeAsync()
    {
        // Requests held by timeout faults must not hold up shutdown for long.
        using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(shutdown.Token);
        await _app.DisposeAsync();
        Credentials.Dispose();
    }

    private static Uri Url(ListenOptions listen) => new($"http://{listen.IPEndPoint!.Address}:{listen.IPEndPoint.Port}/");
}
