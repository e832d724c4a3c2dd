using Orleans.Runtime;

namespace PaymentNotifications.Silo.Operations;

/// <summary>Who this process is in the cluster: the silo's name and Orleans address, or a client's name when it hosts no silo.</summary>
public sealed class SiloIdentity(IServiceProvider services, TimeProvider time)
{
    private readonly ILocalSiloDetails? _silo = services.GetService<ILocalSiloDetails>();

    public string Id => _silo?.Name ?? $"client-{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>The silo's Orleans address (null in a client-only process).</summary>
    public SiloAddress? SiloAddress => _silo?.SiloAddress;

    public string Address => _silo?.SiloAddress.ToString() ?? "";

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();
}
