using Microsoft.Extensions.Configuration;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Interfaces.Contracts;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Delivery;

public sealed class DeliveryOptionsTests
{
    private static DeliveryOptions Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = new DeliveryOptions();
        configuration.GetSection(DeliveryOptions.SectionName).Bind(options);
        return options;
    }

    [Fact]
    public void Defaults_are_valid_and_give_the_default_schedule()
    {
        var options = new DeliveryOptions();
        Assert.Empty(options.Validate());
        var set = options.BuildRetrySchedules();
        Assert.Equal(7, set.Global.MaxAttempts);
        Assert.Equal(RetrySchedule.DefaultDelays, set.Global.Delays);
        Assert.Equal(TimeSpan.FromSeconds(15), options.GetAttemptTimeout());
    }

    [Fact]
    public void Configuration_names_bind()
    {
        var options = Bind(new()
        {
            ["Delivery:MaxAttempts"] = "4",
            ["Delivery:RetrySchedule"] = "30s,2m",
            ["Delivery:AttemptTimeout"] = "00:00:20",
            ["Delivery:RetryAfterCap"] = "10m",
            ["Delivery:RetryJitter"] = "0.1",
        });

        var schedule = options.BuildRetrySchedules().Global;
        Assert.Equal(4, schedule.MaxAttempts);
        Assert.Equal(new[] { TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2) }, schedule.Delays);
        Assert.Equal(TimeSpan.FromMinutes(10), schedule.RetryAfterCap);
        Assert.Equal(0.1, schedule.Jitter);
        Assert.Equal(TimeSpan.FromSeconds(20), options.GetAttemptTimeout());
    }

    [Fact]
    public void A_type_override_wins_over_a_channel_override_which_wins_over_the_global_schedule()
    {
        var set = Bind(new()
        {
            ["Delivery:RetrySchedule"] = "1m",
            ["Delivery:Channels:sms:RetrySchedule"] = "10s",
            ["Delivery:Types:otp:MaxAttempts"] = "2",
            ["Delivery:Types:otp:RetrySchedule"] = "5s",
        }).BuildRetrySchedules();

        Assert.Equal(TimeSpan.FromSeconds(5), set.For(Channel.Sms, "otp").ScheduledDelay(2));
        Assert.Equal(2, set.For(Channel.Sms, "otp").MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(10), set.For(Channel.Sms, "charge.paid").ScheduledDelay(2));
        Assert.Equal(7, set.For(Channel.Sms, "charge.paid").MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(1), set.For(Channel.Email, "charge.paid").ScheduledDelay(2));
        Assert.Equal(TimeSpan.FromSeconds(5), set.For(Channel.Email, "otp").ScheduledDelay(2));
    }

    [Fact]
    public void Every_problem_is_reported_with_its_configuration_key()
    {
        var options = Bind(new()
        {
            ["Delivery:MaxAttempts"] = "0",
            ["Delivery:RetrySchedule"] = "30s,soon",
            ["Delivery:AttemptTimeout"] = "0s",
            ["Delivery:RetryAfterCap"] = "forever",
            ["Delivery:RetryJitter"] = "2",
            ["Delivery:Channels:fax:RetrySchedule"] = "1s",
            ["Delivery:Types:otp:MaxAttempts"] = "-1",
        });

        var errors = options.Validate();
        Assert.Contains(errors, e => e.StartsWith("Delivery:MaxAttempts"));
        Assert.Contains(errors, e => e.StartsWith("Delivery:RetrySchedule") && e.Contains("entry 2"));
        Assert.Contains(errors, e => e.StartsWith("Delivery:AttemptTimeout"));
        Assert.Contains(errors, e => e.StartsWith("Delivery:RetryAfterCap"));
        Assert.Contains(errors, e => e.StartsWith("Delivery:RetryJitter"));
        Assert.Contains(errors, e => e.StartsWith("Delivery:Channels:fax"));
        Assert.Contains(errors, e => e.StartsWith("Delivery:Types:otp:MaxAttempts"));
        var thrown = Assert.Throws<InvalidOperationException>(options.BuildRetrySchedules);
        Assert.Contains("Delivery:RetrySchedule", thrown.Message);
    }
}
