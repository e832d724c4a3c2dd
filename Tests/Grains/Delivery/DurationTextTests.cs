using FsCheck;
using FsCheck.Fluent;
using PaymentNotifications.Grains.Delivery;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Delivery;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("15s", 15_000)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("0s", 0)]
    [InlineData("  30s ", 30_000)]
    [InlineData("00:05:00", 300_000)]
    [InlineData("1.02:00:00", 93_600_000)]
    [InlineData("00:00:01.5", 1_500)]
    public void Unit_and_timespan_forms_are_read(string text, long expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), DurationText.Parse(text));
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("   ", "required")]
    [InlineData("s", "whole number")]
    [InlineData("-5s", "whole number")]
    [InlineData("1.5h", "unknown unit \".5h\"")]
    [InlineData("10", "unit is missing")]
    [InlineData("10x", "unknown unit \"x\"")]
    [InlineData("5M", "unknown unit \"M\"")]
    [InlineData("5 m", "unknown unit \" m\"")]
    [InlineData("-00:05:00", "[d.]hh:mm:ss")]
    [InlineData("00:99:00", "[d.]hh:mm:ss")]
    [InlineData("99999999999999999999s", "too large")]
    [InlineData("9999999999d", "too large")]
    public void Invalid_text_is_refused_with_a_message_saying_why(string text, string expectedFragment)
    {
        var error = Assert.Throws<FormatException>(() => DurationText.Parse(text));
        Assert.Contains(expectedFragment, error.Message);
        Assert.False(DurationText.TryParse(text, out _));
    }

    [Fact]
    public void Null_is_refused()
    {
        Assert.Throws<FormatException>(() => DurationText.Parse(null));
        Assert.False(DurationText.TryParse(null, out _, out var error));
        Assert.Contains("required", error);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(1_500, "1500ms")]
    [InlineData(90_000, "90s")]
    [InlineData(300_000, "5m")]
    [InlineData(7_200_000, "2h")]
    [InlineData(172_800_000, "2d")]
    public void Format_writes_the_largest_exact_unit(long ms, string expected)
    {
        Assert.Equal(expected, DurationText.Format(TimeSpan.FromMilliseconds(ms)));
    }

    [Fact]
    public void Format_then_parse_gives_back_the_same_duration()
    {
        var gen = Gen.Choose(0, int.MaxValue).Select(ms => TimeSpan.FromMilliseconds(ms));
        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), d => DurationText.Parse(DurationText.Format(d)) == d));
    }

    [Fact]
    public void Format_keeps_sub_millisecond_precision_in_timespan_form()
    {
        var value = TimeSpan.FromTicks(12_345);
        Assert.Equal(value, DurationText.Parse(DurationText.Format(value)));
    }
}
