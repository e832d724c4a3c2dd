using FsCheck;
using FsCheck.Fluent;
using PaymentNotifications.Grains.Delivery;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Delivery;

public sealed class RetryScheduleTests
{
    /// <summary>A random source that always draws the same value, to pin the jitter.</summary>
    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }

    private static readonly Random NoJitterDraw = new FixedRandom(0.5);

    [Fact]
    public void Default_is_seven_attempts_over_5s_30s_2m_10m_30m_1h()
    {
        var schedule = RetrySchedule.Default;
        Assert.Equal(7, schedule.MaxAttempts);
        var expected = new[] { 0, 5, 30, 120, 600, 1800, 3600 }.Select(s => TimeSpan.FromSeconds(s));
        Assert.Equal(expected, Enumerable.Range(1, 7).Select(schedule.ScheduledDelay));
        Assert.Equal(TimeSpan.FromHours(1), schedule.RetryAfterCap);
        Assert.Equal(0.2, schedule.Jitter);
    }

    [Fact]
    public void Configured_schedule_is_parsed_in_order()
    {
        var schedule = RetrySchedule.Parse("30s,2m,10m,30m,2h,6h");
        Assert.Equal(
            new[] { TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(6) },
            schedule.Delays);
        Assert.Equal(TimeSpan.FromHours(6), schedule.ScheduledDelay(7));
    }

    [Fact]
    public void Blank_schedule_means_the_default_delays()
    {
        Assert.Equal(RetrySchedule.DefaultDelays, RetrySchedule.Parse(null).Delays);
        Assert.Equal(RetrySchedule.DefaultDelays, RetrySchedule.Parse("  ").Delays);
    }

    [Fact]
    public void Last_delay_repeats_when_attempts_outnumber_delays()
    {
        var schedule = RetrySchedule.Parse("1s,1m", maxAttempts: 6);
        Assert.Equal(
            new[] { TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1) },
            Enumerable.Range(1, 6).Select(schedule.ScheduledDelay));
    }

    [Theory]
    [InlineData("30s,,2m", "entry 2 is empty")]
    [InlineData("30s,2x", "entry 2: \"2x\" is not a valid duration: unknown unit \"x\"")]
    [InlineData("abc", "entry 1")]
    [InlineData(",", "entry 1 is empty")]
    public void Bad_schedule_names_the_bad_entry(string text, string expectedFragment)
    {
        var error = Assert.Throws<FormatException>(() => RetrySchedule.Parse(text));
        Assert.Contains(expectedFragment, error.Message);
    }

    [Fact]
    public void Attempts_outside_the_budget_are_refused()
    {
        var schedule = RetrySchedule.Default;
        Assert.False(schedule.HasAttempt(0));
        Assert.True(schedule.HasAttempt(7));
        Assert.False(schedule.HasAttempt(8));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.DelayBeforeAttempt(8));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.DelayBeforeAttempt(0));
    }

    [Fact]
    public void A_single_attempt_schedule_needs_no_delays()
    {
        var schedule = new RetrySchedule(1, []);
        Assert.Equal(TimeSpan.Zero, schedule.DelayBeforeAttempt(1));
        Assert.Throws<ArgumentException>(() => new RetrySchedule(2, []));
    }

    [Fact]
    public void Invalid_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetrySchedule(0, [TimeSpan.FromSeconds(1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetrySchedule(3, [TimeSpan.FromSeconds(1)], jitter: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetrySchedule(3, [TimeSpan.FromSeconds(1)], jitter: double.NaN));
        Assert.Throws<ArgumentException>(() => new RetrySchedule(3, [TimeSpan.FromSeconds(-1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetrySchedule(3, [TimeSpan.FromSeconds(1)], retryAfterCap: TimeSpan.FromSeconds(-1)));
    }

    [Theory]
    [InlineData(0.0, 80)]
    [InlineData(0.5, 100)]
    [InlineData(0.75, 110)]
    public void Jitter_spreads_the_delay_by_up_to_20_percent(double draw, int expectedSeconds)
    {
        var schedule = RetrySchedule.Parse("100s", maxAttempts: 2);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), schedule.DelayBeforeAttempt(2, new FixedRandom(draw)));
    }

    [Fact]
    public void The_first_attempt_runs_at_once()
    {
        Assert.Equal(TimeSpan.Zero, RetrySchedule.Default.DelayBeforeAttempt(1, new FixedRandom(0.99)));
    }

    [Fact]
    public void Jittered_delay_stays_within_bounds_and_is_never_negative()
    {
        var gen =
            from jitterPercent in Gen.Choose(0, 100)
            from delaySeconds in Gen.Choose(0, 100_000)
            from seed in Gen.Choose(int.MinValue, int.MaxValue)
            select (Jitter: jitterPercent / 100.0, Delay: TimeSpan.FromSeconds(delaySeconds), Seed: seed);

        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var schedule = new RetrySchedule(2, [c.Delay], c.Jitter);
            var delay = schedule.DelayBeforeAttempt(2, new Random(c.Seed));
            var low = c.Delay.Ticks * (1 - c.Jitter) - 1;
            var high = c.Delay.Ticks * (1 + c.Jitter) + 1;
            return delay >= TimeSpan.Zero && delay.Ticks >= low && delay.Ticks <= high;
        }));
    }

    [Fact]
    public void Retry_after_longer_than_the_schedule_wins()
    {
        var schedule = RetrySchedule.Parse("10s", maxAttempts: 3);
        Assert.Equal(TimeSpan.FromMinutes(2), schedule.DelayBeforeAttempt(2, NoJitterDraw, TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void Retry_after_shorter_than_the_schedule_does_not_shorten_it()
    {
        var schedule = RetrySchedule.Parse("10m", maxAttempts: 3);
        Assert.Equal(TimeSpan.FromMinutes(10), schedule.DelayBeforeAttempt(2, NoJitterDraw, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Retry_after_is_capped()
    {
        var schedule = RetrySchedule.Parse("10s", maxAttempts: 3, retryAfterCap: TimeSpan.FromMinutes(30));
        Assert.Equal(TimeSpan.FromMinutes(30), schedule.DelayBeforeAttempt(2, NoJitterDraw, TimeSpan.FromDays(2)));
        Assert.Equal(TimeSpan.FromHours(1), RetrySchedule.Parse("10s").DelayBeforeAttempt(2, NoJitterDraw, TimeSpan.FromDays(2)));
    }

    [Fact]
    public void The_cap_limits_retry_after_but_never_the_configured_schedule()
    {
        var schedule = RetrySchedule.Parse("6h", maxAttempts: 2);
        Assert.Equal(TimeSpan.FromHours(6), schedule.DelayBeforeAttempt(2, NoJitterDraw, TimeSpan.FromHours(3)));
    }
}
