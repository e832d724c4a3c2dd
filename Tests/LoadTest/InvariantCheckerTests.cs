using PaymentNotifications.LoadTest.Receiving;
using PaymentNotifications.LoadTest.Soak;

namespace PaymentNotifications.Tests.LoadTest;

public sealed class InvariantCheckerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static readonly CheckerSettings Settings = new()
    {
        AttemptTimeout = TimeSpan.FromSeconds(5),
        WriteGrace = TimeSpan.FromSeconds(5),
        OverdueTolerance = TimeSpan.FromSeconds(30),
        MaxAttempts = 3,
        LongestRetryDelay = TimeSpan.FromSeconds(12),
        ClusterStoppedAt = T0.AddMinutes(5),
    };

    private static RecordedAttempt Attempt(int number, double atSeconds, string outcome, int? status = 200, long durationMs = 20) =>
        new(number, T0.AddSeconds(atSeconds), durationMs, outcome, status);

    private static StoredNotification Row(string id, string state, params RecordedAttempt[] attempts) =>
        new(id, state, T0, state == "PENDING" ? T0.AddMinutes(5) : null, attempts, 0, Observable: true);

    private static Arrival Delivered(double atSeconds) => new(T0.AddSeconds(atSeconds), 200);

    private static InvariantReport Check(
        IEnumerable<StoredNotification> rows,
        Dictionary<string, IReadOnlyList<Arrival>>? arrivals = null,
        IReadOnlyList<Interruption>? interruptions = null,
        IReadOnlyList<KillWindow>? windows = null,
        IReadOnlyList<SubmitTry>? tries = null,
        Dictionary<string, string>? acknowledged = null)
    {
        var byId = rows.ToDictionary(r => r.Id);
        return InvariantChecker.Check(
            acknowledged ?? byId.Keys.ToDictionary(id => id, id => "key-" + id),
            byId,
            arrivals ?? new Dictionary<string, IReadOnlyList<Arrival>>(),
            interruptions ?? [],
            windows ?? [],
            tries ?? [],
            Settings);
    }

    [Fact]
    public void Delivered_once_and_succeeded_passes()
    {
        var report = Check([Row("a", "SUCCESS", Attempt(1, 1, "succeeded"))], new() { ["a"] = [Delivered(1.01)] });

        Assert.True(report.Passed);
        Assert.Equal(1, report.TerminalTotal);
        Assert.Equal(0, report.DeliveredMoreThanOnce);
    }

    [Fact]
    public void An_acknowledged_notification_without_a_row_is_lost()
    {
        var report = Check([], acknowledged: new() { ["gone"] = "key-gone" });

        Assert.False(report.Passed);
        Assert.Equal(1, report.Lost);
    }

    [Fact]
    public void Pending_with_a_retry_due_in_its_schedule_is_fine_but_overdue_or_over_budget_is_stuck()
    {
        var fine = Row("fine", "PENDING", Attempt(1, 295, "failed", 500)) with { NextAttemptAt = T0.AddSeconds(305) };
        var overdue = Row("overdue", "PENDING", Attempt(1, 10, "failed", 500)) with { NextAttemptAt = T0.AddSeconds(20) };
        var spent = Row("spent", "PENDING", Attempt(1, 290, "failed", 500), Attempt(2, 292, "failed", 500), Attempt(3, 294, "failed", 500)) with { NextAttemptAt = T0.AddSeconds(305) };
        var tooLate = Row("late", "PENDING", Attempt(1, 295, "failed", 500)) with { NextAttemptAt = T0.AddSeconds(400) };
        var never = Row("never", "PENDING") with { NextAttemptAt = null };

        var report = Check([fine, overdue, spent, tooLate, never]);

        Assert.Equal(1, report.PendingWithinSchedule);
        Assert.Equal(4, report.Stuck);
        Assert.False(report.Passed);
    }

    [Fact]
    public void A_repeat_after_an_attempt_with_unknown_outcome_is_explained()
    {
        // Attempt 1 reached the receiver but timed out at the sender; attempt 2 delivered again and succeeded.
        var row = Row("a", "SUCCESS", Attempt(1, 1, "unknown", null, durationMs: 5000), Attempt(2, 10, "succeeded"));

        var report = Check([row], new() { ["a"] = [Delivered(1.5), Delivered(10.01)] });

        Assert.True(report.Passed);
        Assert.Equal(1, report.DeliveredMoreThanOnce);
        Assert.Equal(1, report.ExplainedByUnknownOutcome);
        Assert.Equal(0, report.UnexplainedDuplicates);
    }

    [Fact]
    public void An_arrival_just_after_the_sender_gave_up_still_belongs_to_the_unknown_attempt()
    {
        var row = Row("a", "SUCCESS", Attempt(1, 1, "unknown", null, durationMs: 5000), Attempt(2, 20, "succeeded"));

        var report = Check([row], new() { ["a"] = [Delivered(8), Delivered(20.01)] });

        Assert.Equal(1, report.ExplainedByUnknownOutcome);
        Assert.True(report.Passed);
    }

    [Fact]
    public void A_repeat_of_a_delivery_whose_attempt_was_never_recorded_is_explained_by_a_kill_right_after_it()
    {
        var row = Row("a", "SUCCESS", Attempt(1, 30, "succeeded"));
        var killed = new Interruption(T0.AddSeconds(2), "silo-1", "kill -9");

        var report = Check([row], new() { ["a"] = [Delivered(1.9), Delivered(30.01)] }, [killed]);

        Assert.True(report.Passed);
        Assert.Equal(1, report.ExplainedByInterruption);
    }

    [Fact]
    public void A_repeat_with_no_unknown_outcome_and_no_kill_is_unexplained()
    {
        var row = Row("a", "SUCCESS", Attempt(1, 30, "succeeded"));
        var killedLongAfter = new Interruption(T0.AddSeconds(25), "silo-1", "kill -9");

        var report = Check([row], new() { ["a"] = [Delivered(1.9), Delivered(30.01)] }, [killedLongAfter]);

        Assert.False(report.Passed);
        Assert.Equal(1, report.UnexplainedDuplicates);
        Assert.NotEmpty(report.Examples);
    }

    [Fact]
    public void Two_recorded_successes_are_an_unexplained_duplicate()
    {
        var row = Row("a", "SUCCESS", Attempt(1, 1, "succeeded"), Attempt(2, 5, "succeeded"));

        var report = Check([row], new() { ["a"] = [Delivered(1.01), Delivered(5.01)] });

        Assert.Equal(1, report.UnexplainedDuplicates);
    }

    [Fact]
    public void A_delivery_after_the_recorded_success_is_unexplained_even_with_a_kill_nearby()
    {
        var row = Row("a", "SUCCESS", Attempt(1, 1, "succeeded"));
        var killed = new Interruption(T0.AddSeconds(6), "silo-1", "kill -9");

        var report = Check([row], new() { ["a"] = [Delivered(1.01), Delivered(5)] }, [killed]);

        Assert.Equal(1, report.UnexplainedDuplicates);
    }

    [Fact]
    public void Refused_arrivals_are_attempts_not_deliveries()
    {
        var row = Row("a", "SUCCESS", Attempt(1, 1, "failed", 500), Attempt(2, 3, "succeeded"));

        var report = Check([row], new() { ["a"] = [new Arrival(T0.AddSeconds(1.01), 500), Delivered(3.01)] });

        Assert.Equal(0, report.DeliveredMoreThanOnce);
        Assert.True(report.Passed);
    }

    [Fact]
    public void A_success_no_receiver_saw_fails_the_check()
    {
        var report = Check([Row("a", "SUCCESS", Attempt(1, 1, "succeeded"))]);

        Assert.Equal(1, report.SuccessNotSeen);
        Assert.False(report.Passed);
    }

    [Fact]
    public void Server_errors_count_against_the_run_only_outside_kill_windows()
    {
        var window = new KillWindow(T0.AddSeconds(10), T0.AddSeconds(30), "silo-1");
        SubmitTry Try(double from, double to, int status) => new("k", T0.AddSeconds(from), T0.AddSeconds(to), status, null);

        var report = Check([], windows: [window], tries:
        [
            Try(5, 11, 503), // overlaps the window
            Try(20, 21, 500), // inside
            Try(31, 32, 500), // after
            Try(40, 41, 0), // no answer, outside
            Try(41, 42, 202),
        ]);

        Assert.Equal(2, report.ServerErrorsInsideKillWindows);
        Assert.Equal(1, report.ServerErrorsOutsideKillWindows);
        Assert.Equal(1, report.NoAnswerOutsideKillWindows);
        Assert.False(report.Passed);
    }

    [Fact]
    public void A_delivery_is_matched_to_the_attempt_that_contains_it_not_to_an_earlier_refused_one()
    {
        var row = Row("a", "SUCCESS", Attempt(1, 1, "failed", 500, durationMs: 100), Attempt(2, 2.2, "succeeded", durationMs: 3));

        var report = Check([row], new() { ["a"] = [new Arrival(T0.AddSeconds(1.05), 500), Delivered(2.201)] });

        Assert.Equal(0, report.UnrecordedDeliveries);
        Assert.True(report.Passed);
    }
}
