using FsCheck;
using FsCheck.Fluent;
using PaymentNotifications.Grains.Templates;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Templates;

public sealed class SmsSegmentsTests
{
    [Fact]
    public void Empty_text_has_no_segments()
    {
        var info = SmsSegments.Measure("");
        Assert.Equal(0, info.Segments);
        Assert.Equal(0, info.Units);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    [InlineData(459, 3)]
    [InlineData(460, 4)]
    public void Gsm7_fits_160_alone_and_153_per_part(int length, int segments)
    {
        var info = SmsSegments.Measure(new string('a', length));
        Assert.Equal(SmsEncoding.Gsm7, info.Encoding);
        Assert.Equal(length, info.Units);
        Assert.Equal(segments, info.Segments);
        Assert.Equal(segments == 1 ? 160 : 153, info.UnitsPerSegment);
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Ucs2_fits_70_alone_and_67_per_part(int length, int segments)
    {
        var info = SmsSegments.Measure("ç" + new string('a', length - 1));
        Assert.Equal(SmsEncoding.Ucs2, info.Encoding);
        Assert.Equal(length, info.Units);
        Assert.Equal(segments, info.Segments);
        Assert.Equal(segments == 1 ? 70 : 67, info.UnitsPerSegment);
    }

    [Theory]
    [InlineData('^')]
    [InlineData('{')]
    [InlineData('}')]
    [InlineData('\\')]
    [InlineData('[')]
    [InlineData(']')]
    [InlineData('~')]
    [InlineData('|')]
    [InlineData('€')]
    public void Extension_characters_count_two_septets(char c)
    {
        Assert.Equal(2, SmsSegments.Gsm7Septets(c));
        var info = SmsSegments.Measure(new string(c, 80));
        Assert.Equal(SmsEncoding.Gsm7, info.Encoding);
        Assert.Equal(160, info.Units);
        Assert.Equal(1, info.Segments);
        Assert.Equal(2, SmsSegments.Measure(new string(c, 80) + "a").Segments);
    }

    [Fact]
    public void The_gsm_alphabet_has_127_basic_and_10_extension_characters()
    {
        var basic = Enumerable.Range(0, 0x10000).Count(c => SmsSegments.Gsm7Septets((char)c) == 1);
        var extension = Enumerable.Range(0, 0x10000).Count(c => SmsSegments.Gsm7Septets((char)c) == 2);
        Assert.Equal(127, basic);
        Assert.Equal(10, extension);
    }

    [Theory]
    [InlineData("Your code is 123456. Don't share it!")]
    [InlineData("Pagamento recebido: R$ 15,00 às 10h")]
    [InlineData("Über Ärger: ñ, ü, ß, É, Ç, £, ¥, §, ¿, ¡")]
    [InlineData("@_\r\n")]
    public void Gsm_texts_stay_gsm(string text)
    {
        Assert.Equal(SmsEncoding.Gsm7, SmsSegments.Measure(text).Encoding);
    }

    [Theory]
    [InlineData("Pagamento de R$ 15,00 confirmado ✅")]
    [InlineData("Código: 123")]
    [InlineData("Tab\there")]
    [InlineData("ã")]
    [InlineData("你好")]
    public void Characters_outside_gsm_switch_to_ucs2(string text)
    {
        Assert.Equal(SmsEncoding.Ucs2, SmsSegments.Measure(text).Encoding);
    }

    [Fact]
    public void Characters_outside_the_bmp_count_two_units()
    {
        var info = SmsSegments.Measure("😀😀😀");
        Assert.Equal(SmsEncoding.Ucs2, info.Encoding);
        Assert.Equal(3, info.Characters);
        Assert.Equal(6, info.Units);
        Assert.Equal(64, info.RemainingInLastSegment);
    }

    [Fact]
    public void A_two_unit_character_is_not_split_across_parts()
    {
        // 152 septets then '€' (2 septets): the euro cannot straddle the 153 boundary, so the first part holds 152.
        var text = new string('a', 152) + "€" + new string('a', 152);
        var info = SmsSegments.Measure(text);
        Assert.Equal(306, info.Units);
        Assert.Equal(3, info.Segments);

        // Same for a surrogate pair at the 67-unit boundary of UCS-2.
        var ucs = "ç" + new string('a', 65) + "😀" + new string('a', 66);
        Assert.Equal(134, SmsSegments.Measure(ucs).Units);
        Assert.Equal(3, SmsSegments.Measure(ucs).Segments);
    }

    [Fact]
    public void Remaining_units_are_those_left_in_the_last_segment()
    {
        Assert.Equal(150, SmsSegments.Measure(new string('a', 10)).RemainingInLastSegment);
        Assert.Equal(153 - 8, SmsSegments.Measure(new string('a', 161)).RemainingInLastSegment);
    }

    [Fact]
    public void Segments_never_undercount_the_units()
    {
        var chars = "aZ0 @€{}^ç😀\n".EnumerateRunes().Select(r => r.ToString()).ToArray();
        var gen = Gen.ListOf(Gen.Elements(chars)).Select(parts => string.Concat(parts));
        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), text =>
        {
            var info = SmsSegments.Measure(text);
            var single = info.Encoding == SmsEncoding.Gsm7 ? 160 : 70;
            var part = info.Encoding == SmsEncoding.Gsm7 ? 153 : 67;
            var minimum = info.Units == 0 ? 0 : info.Units <= single ? 1 : (info.Units + part - 1) / part;
            return info.Segments >= minimum && info.Segments <= minimum + (info.Units / part) && info.RemainingInLastSegment >= 0;
        }));
    }
}
