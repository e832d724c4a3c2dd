using System.Text.RegularExpressions;
using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Silo.Startup;

/// <summary>A silo whose output is not a terminal (a file, a log collector) writes JSON log lines only.</summary>
public sealed class SiloOutputTests
{
    [Fact]
    public async Task Off_a_terminal_the_silo_writes_only_json_and_logs_its_start_without_the_keys_it_generated()
    {
        await using var silo = SiloProcess.Start("json-only", new Dictionary<string, string>());
        var url = await silo.ListeningUrlAsync(TimeSpan.FromSeconds(90));
        using var client = new HttpClient { BaseAddress = url };
        await Eventually.HoldsAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "the silo is ready");
        await client.GetAsync("/metrics");

        var output = silo.OutputTail(400);

        Assert.Equal(0, silo.NonJsonLines);
        Assert.Contains("keys were generated for this run and are shown on a terminal only", output);
        // Neither the admin key nor the dev tenant's key it generated reaches the log.
        Assert.False(Regex.IsMatch(output, "ntk_[A-Za-z0-9_-]{20,}"), "a generated key is in the output");
    }
}
