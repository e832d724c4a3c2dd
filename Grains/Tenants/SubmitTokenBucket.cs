using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Grains.Tenants;

/// <summary>
/// A token bucket of the shape <see cref="SubmitRate"/>, full when created. It counts in whole ticks (a token is
/// worth one period's ticks and every tick adds <see cref="SubmitRate.Permits"/>), so refills are exact whatever
/// the rate: no rounding lets a token through early or holds one back.
/// </summary>
public sealed class SubmitTokenBucket
{
    private readonly Int128 _token;
    private readonly Int128 _capacity;
    private Int128 _credit;
    private DateTimeOffset _countedTo;

    public SubmitTokenBucket(SubmitRate rate, DateTimeOffset now)
        : this(rate, now, rate.Burst)
    {
    }

    private SubmitTokenBucket(SubmitRate rate, DateTimeOffset now, long tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate.Permits, nameof(rate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate.Burst, nameof(rate));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rate.Period, TimeSpan.Zero, nameof(rate));
        Rate = rate;
        _token = rate.Period.Ticks;
        _capacity = _token * rate.Burst;
        _credit = _token * tokens;
        _countedTo = now;
    }

    public SubmitRate Rate { get; }

    /// <summary>Whole tokens in the bucket at <paramref name="now"/>.</summary>
    public int Available(DateTimeOffset now)
    {
        Refill(now);
        return (int)(_credit / _token);
    }

    /// <summary>Takes up to <paramref name="wanted"/> tokens; when there are none, says when the next one is due.</summary>
    public SubmitGrant Take(int wanted, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(wanted);
        Refill(now);
        var granted = (int)Int128.Min(wanted, _credit / _token);
        if (granted > 0)
        {
            _credit -= _token * granted;
            return new SubmitGrant(granted, TimeSpan.Zero);
        }
        var missing = _token - _credit;
        return new SubmitGrant(0, TimeSpan.FromTicks((long)((missing + Rate.Permits - 1) / Rate.Permits)));
    }

    /// <summary>How long until the bucket is full again if nothing more is taken.</summary>
    public TimeSpan UntilFull(DateTimeOffset now)
    {
        Refill(now);
        return TimeSpan.FromTicks((long)Int128.Min(long.MaxValue, (_capacity - _credit + Rate.Permits - 1) / Rate.Permits));
    }

    /// <summary>A bucket of another shape that keeps the whole tokens this one holds, up to its own burst.</summary>
    public SubmitTokenBucket Reshaped(SubmitRate rate, DateTimeOffset now) => new(rate, now, Math.Min(Available(now), rate.Burst));

    private void Refill(DateTimeOffset now)
    {
        // A clock that steps back adds nothing and does not count the same time twice once it moves on.
        if (now <= _countedTo)
        {
            return;
        }
        _credit = Int128.Min(_capacity, _credit + (Int128)(now - _countedTo).Ticks * Rate.Permits);
        _countedTo = now;
    }
}
