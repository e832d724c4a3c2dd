using PaymentNotifications.Tests.Infrastructure;

namespace PaymentNotifications.Tests.Silo.Startup;

/// <summary>The silo executable refuses a configuration it cannot use: the key and what is wrong, no stack trace, a non-zero exit.</summary>
public sealed class StartupRefusalTests
{
    [Theory]
    [InlineData("Delivery:RetrySchedule", "garbage", "Delivery:RetrySchedule")]
    [InlineData("Delivery:MaxAttempts", "0", "Delivery:MaxAttempts must be at least 1")]
    [InlineData("Breakers:FailureRatio", "7", "Breakers:FailureRatio must be above 0 and at most 1")]
    [InlineData("Webhooks:AllowedNetworks", "10.0.0.0/99", "Webhooks:AllowedNetworks entry \"10.0.0.0/99\"")]
    [InlineData("Api:AdminKey", "too-short", "Api:AdminKey must be at least 32 characters")]
    [InlineData("Operations:LatencySampleSize", "0", "Operations:LatencySampleSize must be between 1 and 1000")]
    public async Task A_bad_setting_ends_the_process_naming_the_key_without_a_stack_trace(string key, string value, string expected)
    {
        await using var silo = SiloProcess.Start("refused", new Dictionary<string, string> { [key] = value });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the silo did not exit");
        var output = silo.OutputTail(200);

        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("The silo cannot start with this configuration:", output);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task The_sandbox_providers_are_refused_in_durable_mode()
    {
        var connection = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("sandbox");
        await using var silo = SiloProcess.Start("refused", new Dictionary<string, string> { ["ConnectionStrings:Postgres"] = connection, ["Sandbox:Enabled"] = "true" });

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the silo did not exit");

        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("Sandbox:Enabled is for dev mode only", silo.OutputTail(200));
    }
}
