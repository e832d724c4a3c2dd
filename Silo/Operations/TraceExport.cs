using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PaymentNotifications.Silo.Operations;

/// <summary>
/// Exports traces over OTLP when Telemetry:OtlpEndpoint is set: ASP.NET Core's request spans, Orleans' grain-call spans
/// (activity propagation carries the trace from the API into the grains), HttpClient's outgoing spans (the webhook and
/// provider calls, which carry traceparent on) and any
/// ActivitySource named "PaymentNotifications*".
/// </summary>
public sealed class TraceExport(IOptions<TelemetryOptions> options, SiloIdentity identity) : IHostedService, IDisposable
{
    public static readonly string[] Sources = ["Microsoft.AspNetCore", "System.Net.Http", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "PaymentNotifications*"];

    /// <summary>How often finished spans are sent (the SDK's default is 5 s).</summary>
    public static readonly TimeSpan ExportInterval = TimeSpan.FromSeconds(2);

    private TracerProvider? _provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.OtlpEndpoint.Length == 0)
        {
            return Task.CompletedTask;
        }
        var grpc = o.OtlpProtocol == "grpc";
        var endpoint = new Uri(o.OtlpEndpoint);
        if (!grpc && endpoint.AbsolutePath.TrimEnd('/').Length == 0)
        {
            // An explicit http/protobuf endpoint is used as is, so the signal path is added here.
            endpoint = new Uri(endpoint, "/v1/traces");
        }
        _provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(o.ServiceName, serviceInstanceId: identity.Id))
            .AddSource(Sources)
            .AddOtlpExporter(e =>
            {
                e.Endpoint = endpoint;
                e.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                e.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)ExportInterval.TotalMilliseconds;
            })
            .Build();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _provider?.ForceFlush(10_000);
        return Task.CompletedTask;
    }

    public void Dispose() => _provider?.Dispose();
}
