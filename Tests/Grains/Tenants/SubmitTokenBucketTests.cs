using PaymentNotifications.Grains.Interfaces.Tenants;
using PaymentNotifications.Grains.Tenants;

namespace PaymentNotifications.Tests.Grains.Tenants;

public sealed class SubmitTokenBucketTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SubmitRate FivePerHour = new(5, TimeSpan.FromHours(1), 5);

    [Fact]
    public void A_new_bucket_grants_its_burst_then_none_and_says_when_the_next_token_is_due()
    {
        var bucket = new SubmitTokenBucket(FivePerHour, T0);

        var first = bucket.Take(3, T0);
        var rest = bucket.Take(3, T0);
        var none = bucket.Take(1, T0);

        Assert.Equal(new SubmitGrant(3, TimeSpan.Zero), first);
        Assert.Equal(new SubmitGrant(2, TimeSpan.Zero), rest);
        Assert.Equal(new SubmitGrant(0, TimeSpan.FromMinutes(12)), none);
    }

    [Fact]
    public void A_token_comes_back_exactly_when_it_is_due_and_not_a_tick_earlier()
    {
        var bucket = new SubmitTokenBucket(FivePerHour, T0);
        bucket.Take(5, T0);

        var early = bucket.Take(1, T0.AddMinutes(12).AddTicks(-1));
        var due = bucket.Take(1, T0.AddMinutes(12));

        Assert.Equal(new SubmitGrant(0, TimeSpan.FromTicks(1)), early);
        Assert.Equal(1, due.Granted);
    }

    [Fact]
    public void Tokens_refill_at_the_rate_and_never_past_the_burst()
    {
        var rate = new SubmitRate(10, TimeSpan.FromSeconds(1), 20);
        var bucket = new SubmitTokenBucket(rate, T0);
        bucket.Take(20, T0);

        Assert.Equal(5, bucket.Available(T0.AddMilliseconds(500)));
        Assert.Equal(15, bucket.Available(T0.AddMilliseconds(1500)));
        Assert.Equal(20, bucket.Available(T0.AddSeconds(10)));
        Assert.Equal(20, bucket.Take(50, T0.AddSeconds(10)).Granted);
    }

    [Fact]
    public void Time_going_back_adds_nothing()
    {
        var bucket = new SubmitTokenBucket(FivePerHour, T0);
        bucket.Take(5, T0);

        Assert.Equal(0, bucket.Available(T0.AddHours(-1)));
        Assert.Equal(1, bucket.Available(T0.AddMinutes(12)));
    }

    [Fact]
    public void The_time_until_full_counts_every_missing_token()
    {
        var bucket = new SubmitTokenBucket(FivePerHour, T0);

        Assert.Equal(TimeSpan.Zero, bucket.UntilFull(T0));
        bucket.Take(2, T0);
        Assert.Equal(TimeSpan.FromMinutes(24), bucket.UntilFull(T0));
    }

    [Fact]
    public void A_reshaped_bucket_keeps_its_tokens_up_to_the_new_burst()
    {
        var bucket = new SubmitTokenBucket(new SubmitRate(10, TimeSpan.FromSeconds(1), 10), T0);
        bucket.Take(2, T0);

        var smaller = bucket.Reshaped(new SubmitRate(1, TimeSpan.FromSeconds(1), 3), T0);
        var larger = bucket.Reshaped(new SubmitRate(10, TimeSpan.FromSeconds(1), 100), T0);

        Assert.Equal(3, smaller.Available(T0));
        Assert.Equal(8, larger.Available(T0));
    }

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(1, 0, 1)]
    [InlineData(1, 1, 0)]
    public void A_shape_without_permits_period_or_burst_is_refused(int permits, int periodSeconds, int burst)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SubmitTokenBucket(new SubmitRate(permits, TimeSpan.FromSeconds(periodSeconds), burst), T0));
    }

    [Fact]
    public void The_largest_settings_do_not_overflow()
    {
        var rate = new SubmitRate(int.MaxValue, TimeSpan.FromDays(10_000), int.MaxValue);
        var bucket = new SubmitTokenBucket(rate, T0);

        Assert.Equal(int.MaxValue, bucket.Take(int.MaxValue, T0).Granted);
        Assert.Equal(int.MaxValue, bucket.Available(T0.AddDays(10_000)));
    }
}
