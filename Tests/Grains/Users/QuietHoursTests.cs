using FsCheck;
using FsCheck.Fluent;
using PaymentNotifications.Grains.Users;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Users;

public sealed class QuietHoursTests
{
    private const string NewYork = "America/New_York";
    private const string Lagos = "Africa/Lagos";

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    // Lagos is UTC+1 all year.
    [InlineData("13:00", "15:00", Lagos, "2026-05-01T12:30:00", "2026-05-01T14:00:00")]
    [InlineData("13:00", "15:00", Lagos, "2026-05-01T12:00:00", "2026-05-01T14:00:00")]
    [InlineData("22:00", "07:00", Lagos, "2026-05-01T03:00:00", "2026-05-01T06:00:00")]
    [InlineData("22:00", "07:00", Lagos, "2026-05-01T22:00:00", "2026-05-02T06:00:00")]
    [InlineData("22:00", "07:00", Lagos, "2026-05-01T21:00:00", "2026-05-02T06:00:00")]
    [InlineData("22:00", "07:00", Lagos, "2026-12-31T23:30:00", "2027-01-01T06:00:00")]
    // New York, spring forward 2026-03-08 02:00 EST -> 03:00 EDT: the night is an hour shorter.
    [InlineData("22:00", "07:00", NewYork, "2026-03-08T04:00:00", "2026-03-08T11:00:00")]
    [InlineData("22:00", "07:00", NewYork, "2026-03-08T08:00:00", "2026-03-08T11:00:00")]
    // An end in the skipped hour ends the window when the gap closes (03:00 EDT).
    [InlineData("01:00", "02:30", NewYork, "2026-03-08T06:30:00", "2026-03-08T07:00:00")]
    // A start in the skipped hour: the window is open from 03:00 EDT.
    [InlineData("02:30", "04:00", NewYork, "2026-03-08T07:00:00", "2026-03-08T08:00:00")]
    // Fall back 2026-11-01 02:00 EDT -> 01:00 EST: the night is an hour longer.
    [InlineData("22:00", "07:00", NewYork, "2026-11-01T03:00:00", "2026-11-01T12:00:00")]
    // An end in the repeated hour: the first time the clock reads it (EDT) ...
    [InlineData("00:00", "01:30", NewYork, "2026-11-01T04:15:00", "2026-11-01T05:30:00")]
    // ... and, on the repeated pass inside the window, the second time (EST).
    [InlineData("00:00", "01:30", NewYork, "2026-11-01T06:15:00", "2026-11-01T06:30:00")]
    public void Inside_the_window_defers_to_its_end(string start, string end, string zone, string nowUtc, string expectedUtc)
    {
        var quiet = new QuietHours(start, end, zone);
        var until = quiet.DeferUntil(Utc(nowUtc));
        Assert.Equal(Utc(expectedUtc), until);
        Assert.Equal(TimeSpan.Zero, until!.Value.Offset);
        Assert.True(quiet.IsQuietAt(Utc(nowUtc)));
    }

    [Theory]
    [InlineData("13:00", "15:00", Lagos, "2026-05-01T11:59:59")]
    [InlineData("13:00", "15:00", Lagos, "2026-05-01T14:00:00")]
    [InlineData("22:00", "07:00", Lagos, "2026-05-01T06:00:00")]
    [InlineData("22:00", "07:00", Lagos, "2026-05-01T12:00:00")]
    [InlineData("22:00", "07:00", NewYork, "2026-03-08T11:00:00")]
    [InlineData("01:00", "02:30", NewYork, "2026-03-08T05:59:59")]
    [InlineData("01:00", "02:30", NewYork, "2026-03-08T07:00:00")]
    // Between the two passes of the repeated hour: 01:45 EDT is after the 01:30 end.
    [InlineData("00:00", "01:30", NewYork, "2026-11-01T05:45:00")]
    public void Outside_the_window_nothing_waits(string start, string end, string zone, string nowUtc)
    {
        var quiet = new QuietHours(start, end, zone);
        Assert.Null(quiet.DeferUntil(Utc(nowUtc)));
        Assert.False(quiet.IsQuietAt(Utc(nowUtc)));
    }

    [Fact]
    public void Start_is_inclusive_and_end_exclusive()
    {
        var quiet = new QuietHours("22:00", "07:00", Lagos);
        Assert.NotNull(quiet.DeferUntil(Utc("2026-05-01T21:00:00")));
        Assert.Null(quiet.DeferUntil(Utc("2026-05-01T20:59:59")));
        Assert.NotNull(quiet.DeferUntil(Utc("2026-05-01T06:00:00").AddTicks(-1)));
        Assert.Null(quiet.DeferUntil(Utc("2026-05-01T06:00:00")));
    }

    [Fact]
    public void Now_given_in_another_offset_means_the_same_instant()
    {
        var quiet = new QuietHours("22:00", "07:00", NewYork);
        var now = new DateTimeOffset(2026, 3, 8, 13, 0, 0, TimeSpan.FromHours(9));
        Assert.Equal(Utc("2026-03-08T11:00:00"), quiet.DeferUntil(now));
    }

    [Theory]
    [InlineData("7:00", "07:00", Lagos, "start")]
    [InlineData("24:00", "07:00", Lagos, "start")]
    [InlineData("22:60", "07:00", Lagos, "start")]
    [InlineData(null, "07:00", Lagos, "start")]
    [InlineData("22:00", "7pm", Lagos, "end")]
    [InlineData("22:00", "22:00", Lagos, "end")]
    [InlineData("22:00", "07:00", "Mars/Olympus_Mons", "timeZone")]
    [InlineData("22:00", "07:00", "", "timeZone")]
    [InlineData("22:00", "07:00", "Eastern Standard Time", "timeZone")]
    public void Invalid_values_are_reported_per_field(string? start, string? end, string? zone, string field)
    {
        var errors = QuietHours.Validate(start, end, zone);
        Assert.Equal(new[] { field }, errors.Keys);
        Assert.NotEmpty(errors[field][0]);
        Assert.False(QuietHours.TryCreate(start, end, zone, out var created, out _));
        Assert.Null(created);
        var thrown = Assert.Throws<ArgumentException>(() => new QuietHours(start!, end!, zone!));
        Assert.Contains(field, thrown.Message);
    }

    [Fact]
    public void Valid_values_create_quiet_hours()
    {
        Assert.True(QuietHours.TryCreate("22:00", "07:00", "Africa/Lagos", out var quiet, out var errors));
        Assert.Empty(errors);
        Assert.Equal(new TimeOnly(22, 0), quiet.StartTime);
        Assert.Equal(new TimeOnly(7, 0), quiet.EndTime);
        Assert.Equal("Africa/Lagos", quiet.TimeZone);
    }

    private static readonly string[] Zones = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe", "Africa/Lagos", "Asia/Kolkata", "America/Sao_Paulo"];

    private static Gen<(QuietHours Quiet, DateTimeOffset Now)> Cases() =>
        from zone in Gen.Elements(Zones)
        from startMinute in Gen.Choose(0, (24 * 60) - 1)
        from length in Gen.Choose(1, (24 * 60) - 1)
        from seconds in Gen.Choose(0, 3 * 365 * 24 * 3600)
        let endMinute = (startMinute + length) % (24 * 60)
        let quiet = new QuietHours(
            TimeOnly.FromTimeSpan(TimeSpan.FromMinutes(startMinute)).ToString("HH:mm"),
            TimeOnly.FromTimeSpan(TimeSpan.FromMinutes(endMinute)).ToString("HH:mm"),
            zone)
        select (quiet, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds));

    [Fact]
    public void Deferral_ends_after_now_within_a_day_when_the_clock_reads_the_end_or_a_gap_closes()
    {
        Check.QuickThrowOnFailure(Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var until = c.Quiet.DeferUntil(c.Now);
            if (until is not { } end)
            {
                return true;
            }

            var zone = c.Quiet.Zone;
            var localEnd = TimeZoneInfo.ConvertTime(end, zone);
            var readsEnd = TimeOnly.FromTimeSpan(localEnd.TimeOfDay) == c.Quiet.EndTime;
            var gapCloses = zone.GetUtcOffset(end.AddTicks(-1)) != zone.GetUtcOffset(end);
            return end > c.Now && end - c.Now <= TimeSpan.FromHours(25) && end.Offset == TimeSpan.Zero && (readsEnd || gapCloses);
        }));
    }

    [Fact]
    public void Quiet_exactly_when_the_local_clock_is_inside_the_window()
    {
        Check.QuickThrowOnFailure(Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var t = TimeOnly.FromTimeSpan(TimeZoneInfo.ConvertTime(c.Now, c.Quiet.Zone).TimeOfDay);
            var s = c.Quiet.StartTime;
            var e = c.Quiet.EndTime;
            var inside = s < e ? t >= s && t < e : t >= s || t < e;
            return c.Quiet.IsQuietAt(c.Now) == inside;
        }));
    }
}
