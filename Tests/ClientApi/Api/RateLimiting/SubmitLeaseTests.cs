using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PaymentNotifications.Api.RateLimiting;
using PaymentNotifications.Grains.Interfaces.Tenants;
using PaymentNotifications.Grains.Tenants;

namespace PaymentNotifications.Tests.ClientApi.Api.RateLimiting;

public sealed class SubmitLeaseTests
{
    private static readonly SubmitRate FivePerHour = new(5, TimeSpan.FromHours(1), 5);
    private static readonly SubmitRate Default = new(10_000, TimeSpan.FromSeconds(1), 20_000);

    [Fact]
    public async Task Processes_leasing_from_one_bucket_admit_its_burst_in_total_and_no_more()
    {
        var time = new FakeTimeProvider();
        var grain = new BucketGrain(FivePerHour, time);
        var processes = Enumerable.Range(0, 3).Select(_ => grain.Lease(time)).ToList();

        var permits = new List<SubmitPermit>();
        for (var i = 0; i < 8; i++)
        {
            foreach (var process in processes)
            {
                permits.Add(await process.TakeAsync(CancellationToken.None));
            }
        }

        Assert.Equal(5, permits.Count(p => p.Granted));
        Assert.All(permits.Where(p => !p.Granted), p => Assert.InRange(p.RetryAfter, TimeSpan.FromMinutes(11), TimeSpan.FromMinutes(12)));
    }

    [Fact]
    public async Task A_busy_process_doubles_its_lease_up_to_the_largest_one()
    {
        var time = new FakeTimeProvider();
        var grain = new BucketGrain(Default, time);
        var lease = grain.Lease(time);

        for (var i = 0; i < 2_000; i++)
        {
            Assert.True((await lease.TakeAsync(CancellationToken.None)).Granted);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 500, 500, 500], grain.Asked.Take(12));
        Assert.Equal(500, SubmitLease.LargestLeaseOf(Default));
    }

    [Theory]
    [InlineData(5, 3600, 5, 1)]
    [InlineData(10_000, 1, 20_000, 500)]
    [InlineData(1_000_000, 1, 10, 10)]
    [InlineData(100, 1, 200, 5)]
    public void The_largest_lease_is_50_ms_of_permits_at_least_one_and_at_most_the_burst(int permits, int periodSeconds, int burst, int expected)
    {
        Assert.Equal(expected, SubmitLease.LargestLeaseOf(new SubmitRate(permits, TimeSpan.FromSeconds(periodSeconds), burst)));
    }

    [Fact]
    public async Task Leased_tokens_go_stale_and_a_quiet_process_then_asks_for_what_it_used()
    {
        var time = new FakeTimeProvider();
        var grain = new BucketGrain(Default, time);
        var lease = grain.Lease(time);
        for (var i = 0; i < 1 + 2 + 4; i++)
        {
            await lease.TakeAsync(CancellationToken.None);
        }
        await lease.TakeAsync(CancellationToken.None); // leases 8 and spends 1
        await lease.TakeAsync(CancellationToken.None);
        var asked = grain.Asked.Count;

        time.Advance(SubmitLease.LifetimeOf(Default));
        await lease.TakeAsync(CancellationToken.None);

        Assert.Equal(asked + 1, grain.Asked.Count);
        Assert.Equal(4, grain.Asked[^1]);
        Assert.Equal(TimeSpan.FromSeconds(1), SubmitLease.LifetimeOf(Default));
        Assert.Equal(TimeSpan.FromMilliseconds(200), SubmitLease.LifetimeOf(new SubmitRate(1, TimeSpan.FromMilliseconds(200), 1)));
    }

    [Fact]
    public async Task Concurrent_submits_wait_for_one_grain_call()
    {
        var time = new FakeTimeProvider();
        var answer = new TaskCompletionSource<SubmitGrant>();
        var calls = 0;
        var lease = new SubmitLease("ten_1", _ =>
        {
            Interlocked.Increment(ref calls);
            return answer.Task;
        }, Default, time, NullLogger.Instance);

        var waiting = Enumerable.Range(0, 10).Select(_ => lease.TakeAsync(CancellationToken.None).AsTask()).ToList();
        var callsWhileWaiting = calls;
        answer.SetResult(new SubmitGrant(10, TimeSpan.Zero));
        var permits = await Task.WhenAll(waiting);

        Assert.Equal(1, callsWhileWaiting);
        Assert.Equal(1, calls);
        Assert.All(permits, p => Assert.True(p.Granted));
    }

    [Fact]
    public async Task A_refused_process_answers_alone_until_the_next_token_is_due()
    {
        var time = new FakeTimeProvider();
        var grain = new BucketGrain(FivePerHour, time);
        var lease = grain.Lease(time);
        for (var i = 0; i < 5; i++)
        {
            await lease.TakeAsync(CancellationToken.None);
        }

        var refused = await lease.TakeAsync(CancellationToken.None);
        var asked = grain.Asked.Count;
        time.Advance(TimeSpan.FromMinutes(2));
        var later = await lease.TakeAsync(CancellationToken.None);
        var callsWhileRefused = grain.Asked.Count - asked;
        time.Advance(TimeSpan.FromMinutes(10));
        var due = await lease.TakeAsync(CancellationToken.None);

        Assert.Equal(SubmitPermit.Refused(TimeSpan.FromMinutes(12)), refused);
        Assert.Equal(SubmitPermit.Refused(TimeSpan.FromMinutes(10)), later);
        Assert.Equal(0, callsWhileRefused);
        Assert.True(due.Granted);
    }

    [Fact]
    public async Task An_unreachable_bucket_lets_submits_through_and_is_logged_at_most_once_a_minute()
    {
        var time = new FakeTimeProvider();
        var logger = new WarningCounter();
        var lease = new SubmitLease("ten_1", _ => Task.FromException<SubmitGrant>(new TimeoutException("no silo answers")), Default, time, logger);

        var permits = new List<SubmitPermit>();
        for (var i = 0; i < 30; i++)
        {
            permits.Add(await lease.TakeAsync(CancellationToken.None));
            time.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.All(permits, p => Assert.True(p.Granted));
        Assert.Equal(1, logger.Warnings);
        time.Advance(SubmitLease.WarningInterval);
        await lease.TakeAsync(CancellationToken.None);
        Assert.Equal(2, logger.Warnings);
    }

    /// <summary>The tenant's grain as a plain bucket on the test's clock, recording what each lease asked for.</summary>
    private sealed class BucketGrain(SubmitRate rate, TimeProvider time)
    {
        private readonly SubmitTokenBucket _bucket = new(rate, time.GetUtcNow());

        public List<int> Asked { get; } = [];

        public SubmitLease Lease(TimeProvider clock) => new("ten_1", wanted =>
        {
            Asked.Add(wanted);
            return Task.FromResult(_bucket.Take(wanted, time.GetUtcNow()));
        }, rate, clock, NullLogger.Instance);
    }

    private sealed class WarningCounter : ILogger
    {
        public int Warnings { get; private set; }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning && exception is TimeoutException)
            {
                Warnings++;
            }
        }
    }
}
