using Microsoft.Extensions.Options;
using Orleans;
using PaymentNotifications.Api;
using PaymentNotifications.Grains.Interfaces.Operations;

namespace PaymentNotifications.Silo.Operations;

/// <summary>Publishes this silo's report to its <see cref="ISiloReportGrain"/> every <c>Operations:SampleInterval</c>.</summary>
public sealed class SiloReportPublisher(
    IOperationsReports reports,
    IGrainFactory grains,
    SiloIdentity identity,
    TimeProvider time,
    IOptions<OperationsOptions> options,
    ILogger<SiloReportPublisher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SampleInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var report = await reports.ReadSiloAsync(stoppingToken);
                await grains.GetGrain<ISiloReportGrain>(identity.SiloAddress!.ToParsableString()).Publish(report);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug(e, "This silo's report could not be published; the next sample tries again");
            }
        }
    }
}
