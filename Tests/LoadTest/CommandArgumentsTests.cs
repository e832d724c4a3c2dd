using PaymentNotifications.LoadTest.Cli;

namespace PaymentNotifications.Tests.LoadTest;

public sealed class CommandArgumentsTests
{
    [Fact]
    public void Options_are_read_in_every_written_form()
    {
        var args = CommandArguments.Parse(["run", "--rate", "1500", "--duration=2m", "--verify-signatures", "--mix", "webhook=1"]);

        Assert.Equal("run", args.Command);
        Assert.Equal(1500, args.Double("rate", 0));
        Assert.Equal(TimeSpan.FromMinutes(2), args.Duration("duration", TimeSpan.Zero));
        Assert.True(args.Flag("verify-signatures"));
        Assert.False(args.Flag("http2"));
        Assert.Equal("webhook=1", args.String("mix"));
        args.EnsureAllUsed();
    }

    [Fact]
    public void A_misspelt_option_is_an_error_not_a_silent_default()
    {
        var args = CommandArguments.Parse(["run", "--rat", "1500"]);
        args.Double("rate", 500);

        var error = Assert.Throws<CommandLineException>(args.EnsureAllUsed);
        Assert.Contains("--rat", error.Message);
    }

    [Theory]
    [InlineData("--rate", "fast")]
    [InlineData("--duration", "forever")]
    public void A_value_of_the_wrong_kind_is_named_in_the_error(string name, string value)
    {
        var args = CommandArguments.Parse(["run", name, value]);

        var error = Assert.Throws<CommandLineException>(() =>
        {
            args.Double("rate", 1);
            args.Duration("duration", TimeSpan.Zero);
        });
        Assert.Contains(name, error.Message);
    }

    [Fact]
    public void Silo_settings_are_key_value_pairs()
    {
        var settings = CommonOptions.SiloSettings("Delivery:AttemptTimeout=5s; Cluster:PartitionCount=64");

        Assert.Equal("5s", settings["Delivery:AttemptTimeout"]);
        Assert.Equal("64", settings["Cluster:PartitionCount"]);
        Assert.Throws<CommandLineException>(() => CommonOptions.SiloSettings("nonsense"));
    }
}
