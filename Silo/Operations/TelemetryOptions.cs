namespace PaymentNotifications.Silo.Operations;

/// <summary>Optional trace export over OTLP; bound from "Telemetry". Nothing is exported while OtlpEndpoint is empty.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>Collector URL, e.g. http://otel-collector:4318 (http/protobuf) or :4317 (grpc). Empty (default): no traces.</summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>"http/protobuf" (default) or "grpc".</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>The service.name resource attribute. Default "notifications-silo".</summary>
    public string ServiceName { get; set; } = "notifications-silo";

    internal void Validate()
    {
        if (OtlpEndpoint.Length > 0 && !Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException("Telemetry:OtlpEndpoint must be an absolute URL such as http://otel-collector:4318.");
        }
        if (OtlpProtocol is not ("http/protobuf" or "grpc"))
        {
            throw new InvalidOperationException("Telemetry:OtlpProtocol must be http/protobuf or grpc.");
        }
    }
}
