using Orleans;
using PaymentNotifications.Grains.Interfaces.Operations;

namespace PaymentNotifications.Grains.Operations;

/// <summary>Holds a silo's latest report in memory; the silo publishes a new one every few seconds, so nothing is stored.</summary>
[GrainType("silo-report")]
public sealed class SiloReportGrain : Grain, ISiloReportGrain
{
    private SiloReport? _latest;

    public Task Publish(SiloReport report)
    {
        _latest = report;
        return Task.CompletedTask;
    }

    public Task<SiloReport?> Get() => Task.FromResult(_latest);
}
