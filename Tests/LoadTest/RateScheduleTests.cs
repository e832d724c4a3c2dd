using PaymentNotifications.LoadTest.Load;

namespace PaymentNotifications.Tests.LoadTest;

public sealed class RateScheduleTests
{
    [Fact]
    public void Requests_are_due_at_even_intervals_from_the_start()
    {
        var schedule = new RateSchedule(250);

        Assert.Equal(TimeSpan.Zero, schedule.DueAt(0));
        Assert.Equal(TimeSpan.FromMilliseconds(4), schedule.DueAt(1));
        Assert.Equal(TimeSpan.FromSeconds(1), schedule.DueAt(250));
        Assert.Equal(TimeSpan.FromSeconds(60), schedule.DueAt(15_000));
    }

    [Fact]
    public void Due_count_includes_the_request_due_exactly_now_and_never_runs_ahead()
    {
        var schedule = new RateSchedule(1000);

        Assert.Equal(0, schedule.DueBy(TimeSpan.FromTicks(-1)));
        Assert.Equal(1, schedule.DueBy(TimeSpan.Zero));
        Assert.Equal(1, schedule.DueBy(TimeSpan.FromMilliseconds(0.999)));
        Assert.Equal(2, schedule.DueBy(TimeSpan.FromMilliseconds(1)));
        Assert.Equal(1001, schedule.DueBy(TimeSpan.FromSeconds(1)));
        for (long i = 0; i < 5000; i += 7)
        {
            // Request i is never due before its time and always due at it.
            Assert.True(schedule.DueBy(schedule.DueAt(i)) >= i + 1);
            Assert.True(schedule.DueBy(schedule.DueAt(i) - TimeSpan.FromTicks(1)) <= i);
        }
    }

    [Theory]
    [InlineData(5000, 60, 300_000)]
    [InlineData(333, 10, 3330)]
    [InlineData(0.5, 10, 5)]
    [InlineData(7, 1.5, 11)]
    public void A_run_of_a_duration_sends_rate_times_duration_requests(double rate, double seconds, long expected)
    {
        Assert.Equal(expected, new RateSchedule(rate).CountWithin(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void A_count_limit_caps_what_is_due()
    {
        var schedule = new RateSchedule(100, limit: 50);

        Assert.Equal(50, schedule.DueBy(TimeSpan.FromMinutes(1)));
        Assert.Equal(50, schedule.CountWithin(TimeSpan.FromMinutes(1)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_rate_must_be_positive_and_finite(double rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateSchedule(rate));
    }
}
