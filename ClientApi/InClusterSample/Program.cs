using Orleans;

namespace PaymentNotifications.InClusterSample;

/// <summary>
/// <c>dotnet run --project ClientApi/InClusterSample -- "&lt;PostgreSQL connection string&gt;" &lt;tenant id&gt; &lt;merchant id&gt;</c>:
/// submits one webhook notification through the Orleans client and prints what the cluster answered.
/// </summary>
public static class SampleProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: InClusterSample <postgres connection string> <tenant id> <merchant id>");
            return 2;
        }
        using var host = InClusterSender.BuildClient(args[0]);
        await host.StartAsync();
        var grains = (IClusterClient)host.Services.GetService(typeof(IClusterClient))!;
        var outcome = await InClusterSender.SubmitWebhookAsync(grains, args[1], $"sample-{DateTime.UtcNow:yyyyMMddHHmmss}", args[2], new { chargeId = "8812", amount = 1500 });
        Console.WriteLine($"{outcome.Status}: {outcome.Notification!.Id} is {outcome.Notification.State}");
        await host.StopAsync();
        return 0;
    }
}
