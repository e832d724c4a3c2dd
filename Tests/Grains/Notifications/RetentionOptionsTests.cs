using PaymentNotifications.Grains.Notifications;

namespace PaymentNotifications.Tests.Grains.Notifications;

public sealed class RetentionOptionsTests
{
    private static readonly DateTimeOffset Completed = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(true, "24h", "30d", 24.0)]
    [InlineData(false, "24h", "30d", 720.0)]
    [InlineData(true, "90d", "30d", 720.0)] // a critical notification never keeps its content longer than any other
    [InlineData(true, "0s", "30d", 0.0)]
    [InlineData(false, "1h", "00:30:00", 0.5)]
    public void Content_is_due_for_removal_after_its_retention_time(bool critical, string criticalText, string payloadText, double hours)
    {
        var options = new RetentionOptions { Critical = criticalText, Payload = payloadText };

        Assert.Equal(Completed + TimeSpan.FromHours(hours), options.RemovalDue(critical, Completed));
    }

    [Fact]
    public void The_defaults_are_a_day_for_critical_content_and_thirty_days_for_all()
    {
        var options = new RetentionOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(TimeSpan.FromHours(24), options.RemovalDue(critical: true, Completed) - Completed);
        Assert.Equal(TimeSpan.FromDays(30), options.RemovalDue(critical: false, Completed) - Completed);
    }

    [Theory]
    [InlineData("soon", "30d", "10m", 1000, "Retention:Critical")]
    [InlineData("24h", "-1d", "10m", 1000, "Retention:Payload")]
    [InlineData("24h", "30d", "30s", 1000, "Retention:SweepInterval")]
    [InlineData("24h", "30d", "10m", 0, "Retention:BatchSize")]
    public void A_bad_setting_is_refused_naming_its_key(string critical, string payload, string sweep, int batch, string key)
    {
        var options = new RetentionOptions { Critical = critical, Payload = payload, SweepInterval = sweep, BatchSize = batch };

        Assert.Contains(key, Assert.Single(options.Validate()));
    }
}
