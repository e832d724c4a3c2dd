namespace PaymentNotifications.Tests.ClientApi.Client;

/// <summary>
/// A clock that moves only when the test advances it, and tells the test when timers are set and with what due time
/// (which FakeTimeProvider cannot: the retry tests wait for the delay the client chose before advancing past it).
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly object gate = new();
    private readonly List<ManualTimer> timers = [];
    private readonly List<(Func<TimeSpan, bool> Match, TaskCompletionSource<TimeSpan> Found)> watchers = [];
    private DateTimeOffset now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
        {
            return now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Completes when a timer whose due time matches is set (now or later), with that due time.</summary>
    public Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match)
    {
        var found = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            var existing = timers.FirstOrDefault(t => t.DueTime is { } due && match(due));
            if (existing is not null)
            {
                found.SetResult(existing.DueTime!.Value);
            }
            else
            {
                watchers.Add((match, found));
            }
        }

        return found.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public void Advance(TimeSpan by)
    {
        List<ManualTimer> due;
        lock (gate)
        {
            now += by;
            due = timers.Where(t => t.FiresAt <= now).ToList();
        }

        foreach (var timer in due)
        {
            timer.Fire();
        }
    }

    private void Schedule(ManualTimer timer, TimeSpan? dueTime)
    {
        List<TaskCompletionSource<TimeSpan>> matched = [];
        lock (gate)
        {
            timers.Remove(timer);
            if (dueTime is not { } due)
            {
                return;
            }

            timer.DueTime = due;
            timer.FiresAt = now + due;
            timers.Add(timer);
            foreach (var watcher in watchers.Where(w => w.Match(due)).ToList())
            {
                watchers.Remove(watcher);
                matched.Add(watcher.Found);
            }
        }

        matched.ForEach(found => found.TrySetResult(dueTime.Value));
    }

    private sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan period = Timeout.InfiniteTimeSpan;

        public TimeSpan? DueTime { get; set; }

        public DateTimeOffset FiresAt { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            this.period = period;
            clock.Schedule(this, dueTime == Timeout.InfiniteTimeSpan ? null : dueTime);
            if (dueTime == TimeSpan.Zero)
            {
                // Due now, as a real timer would be, without waiting for the test to advance.
                ThreadPool.QueueUserWorkItem(_ => Fire());
            }

            return true;
        }

        public void Fire()
        {
            clock.Schedule(this, period == Timeout.InfiniteTimeSpan ? null : period);
            callback(state);
        }

        public void Dispose() => clock.Schedule(this, null);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
