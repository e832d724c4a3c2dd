using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using PaymentNotifications.Api.Validation;
using PhoneNumbers;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Api.Validation;

public sealed partial class PhoneNumberRuleTests
{
    // Each answer was checked against libphonenumber 9.0.43 (region, IsValidNumber, GetNumberType).
    public static TheoryData<string, string?> Numbers => new()
    {
        // Mobiles (or numbers that cannot be told from mobiles) of several countries pass.
        { "+5511912345678", null }, // BR mobile
        { "+14155552671", null }, // US fixed-line-or-mobile
        { "+14158675310", null }, // US fixed-line-or-mobile
        { "+447400123456", null }, // GB mobile
        { "+447911123456", null }, // GG mobile under +44
        { "+4915112345678", null }, // DE mobile
        { "+2348012345678", null }, // NG mobile
        { "+33612345678", null }, // FR mobile
        { "+393123456789", null }, // IT mobile
        { "+819012345678", null }, // JP mobile
        { "+61412345678", null }, // AU mobile
        { "+919876543210", null }, // IN mobile
        { "+8613800138000", null }, // CN mobile
        { "+5491112345678", null }, // AR mobile (with the 9)
        { "+971501234567", null }, // AE mobile
        { "+12423591234", null }, // BS mobile under +1
        { "+881612345678", null }, // global satellite mobile (+881)
        { "+15005550006", null }, // US personal number (Twilio's test sender)
        { "+447012345678", null }, // GB personal number
        { "+445612345678", null }, // GB VoIP

        // Not E.164 as the API stores and sends it.
        { "5511912345678", "Not in E.164 form" },
        { "+55 11 91234-5678", "Not in E.164 form" },
        { "+55(11)912345678", "Not in E.164 form" },
        { "+55-11-912345678", "Not in E.164 form" },
        { "+55.11.91234.5678", "Not in E.164 form" },
        { " +5511912345678", "Not in E.164 form" },
        { "+5511912345678 ", "Not in E.164 form" },
        { "+5511912345678\n", "Not in E.164 form" },
        { "++5511912345678", "Not in E.164 form" },
        { "tel:+5511912345678", "Not in E.164 form" },
        { "+5511912345678;ext=1", "Not in E.164 form" },
        { "+0511912345678", "Not in E.164 form" },
        { "+1234567890123456", "Not in E.164 form" },
        { "+55119123456a8", "Not in E.164 form" },
        { "+\uFF15\uFF1511912345678", "Not in E.164 form" }, // full-width digits
        { "+", "Not in E.164 form" },
        { "+4402071838750", "leave out the trunk prefix" },
        { "+55011912345678", "leave out the trunk prefix" },
        { "+999123456789", "no country has the calling code" },
        { "+79", "too short" },

        // E.164 in form, but no valid number of the region its digits point to.
        { "+447700900123", "Not a valid number for country code +44" }, // Ofcom's drama range: reserved, never assigned
        { "+12345678", "Not a valid number for country code +1" },
        { "+123456789012345", "Not a valid number for country code +1" },
        { "+19999999999", "Not a valid number for country code +1" },
        { "+1234567", "Not a valid number for country code +1" },
        { "+5511312345678", "Not a valid number for region BR (+55)" },
        { "+55119123456", "Not a valid number for region BR (+55)" },
        { "+4915123", "Not a valid number for region DE (+49)" },
        { "+97150123456", "Not a valid number for region AE (+971)" },
        { "+38050123456", "Not a valid number for region UA (+380)" },
        { "+2341234567", "Not a valid number for region NG (+234)" },
        { "+5215512345678", "Not a valid number for region MX (+52)" },
        { "+882123456789", "Not a valid number for country code +882" },

        // Valid numbers an SMS cannot reach.
        { "+19005551234", "it is a premium-rate number" },
        { "+448712345678", "it is a premium-rate number" },
        { "+979123456789", "it is a premium-rate number" },
        { "+18005551212", "it is a toll-free number" },
        { "+498001234567", "it is a toll-free number" },
        { "+80012345678", "it is a toll-free number" },
        { "+4918012345", "it is a shared-cost number" },
        { "+34901123456", "it is a shared-cost number" },
        { "+551133334444", "it is a fixed-line number" },
        { "+442071838750", "it is a fixed-line number" },
        { "+4930123456", "it is a fixed-line number" },
        { "+443001234567", "it is a universal access number (UAN)" },
        { "+447640123456", "it is a pager number" },
    };

    [Theory]
    [MemberData(nameof(Numbers))]
    public void Phone_numbers_are_judged_by_libphonenumber(string phone, string? expected)
    {
        var error = FieldRules.PhoneNumber(phone);

        if (expected is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.NotNull(error);
            Assert.Contains(expected, error);
        }
    }

    [Theory]
    [MemberData(nameof(Numbers))]
    public void Every_refusal_offers_an_example_that_passes(string phone, string? expected)
    {
        if (expected is null)
        {
            return;
        }

        var example = Example().Match(FieldRules.PhoneNumber(phone)!);

        Assert.True(example.Success, $"no example for {phone}");
        Assert.Null(FieldRules.PhoneNumber(example.Groups[1].Value));
    }

    [Theory]
    [InlineData("+19005551234", "+12015550123")]
    [InlineData("+448712345678", "+447400123456")]
    [InlineData("+5511312345678", "+5511961234567")]
    public void The_example_is_a_mobile_of_the_region_the_number_belongs_to(string phone, string example) =>
        Assert.Contains($"e.g. \"{example}\"", FieldRules.PhoneNumber(phone));

    [Fact]
    public void Premium_rate_refusal_reads_as_a_whole()
    {
        Assert.Equal(
            "Cannot receive SMS: it is a premium-rate number; give a mobile number, e.g. \"+447400123456\".",
            FieldRules.PhoneNumber("+448712345678"));
    }

    [Fact]
    public void Any_digits_that_pass_are_what_libphonenumber_formats_as_e164_and_calls_valid()
    {
        var util = PhoneNumberUtil.GetInstance();
        var gen = from length in Gen.Choose(2, 15)
                  from first in Gen.Choose(1, 9)
                  from rest in Gen.ArrayOf(Gen.Choose(0, 9), length - 1)
                  select "+" + first + string.Concat(rest);
        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), phone =>
        {
            if (FieldRules.PhoneNumber(phone) is not null)
            {
                return true;
            }

            var number = util.Parse(phone, null);
            return util.IsValidNumber(number) && util.Format(number, PhoneNumberFormat.E164) == phone;
        }));
    }

    [Fact]
    public void A_valid_mobile_with_a_separator_anywhere_is_refused_as_not_e164()
    {
        const string mobile = "+5511912345678";
        var gen = from at in Gen.Choose(1, mobile.Length - 1)
                  from separator in Gen.Elements(" ", "-", ".", "(", ")", "/", "\u00A0", "\t")
                  select mobile.Insert(at, separator);
        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), phone =>
            FieldRules.PhoneNumber(phone) is { } error && error.StartsWith("Not in E.164 form", StringComparison.Ordinal)));
    }

    [GeneratedRegex("e\\.g\\. \"([^\"]+)\"")]
    private static partial Regex Example();
}
