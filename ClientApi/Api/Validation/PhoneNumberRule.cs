using System.Text.RegularExpressions;
using PhoneNumbers;

namespace PaymentNotifications.Api.Validation;

/// <summary>
/// Checks a recipient phone number with libphonenumber: E.164 exactly as it is stored and sent, a valid number
/// for its region, and of a type an SMS can reach (the API only ever texts it, as the channel or as a fallback).
/// </summary>
internal static partial class PhoneNumberRule
{
    private const string Example = "+5511912345678";

    // The instance is a singleton that loads the numbering plans once; parsing and checking a number then takes microseconds.
    private static readonly PhoneNumberUtil Numbers = PhoneNumberUtil.GetInstance();

    /// <summary>Null for a number that can receive SMS, else what is wrong with it and an example.</summary>
    public static string? Check(string value)
    {
        if (!E164Form().IsMatch(value))
        {
            return $"Not in E.164 form: '+', the country code and the number, digits only, without spaces or punctuation, e.g. \"{Example}\".";
        }

        PhoneNumber number;
        try
        {
            number = Numbers.Parse(value, null);
        }
        catch (NumberParseException e) when (e.ErrorType == ErrorType.INVALID_COUNTRY_CODE)
        {
            return $"Not a valid phone number: no country has the calling code it starts with, e.g. \"{Example}\".";
        }
        catch (NumberParseException)
        {
            return $"Not a valid phone number: too short, e.g. \"{Example}\".";
        }

        if (Numbers.Format(number, PhoneNumberFormat.E164) != value)
        {
            // Digits only, yet not E.164: the national trunk prefix was kept after the country code.
            return $"Not in E.164 form: leave out the trunk prefix dialled inside the country, e.g. \"{Example}\", not \"+55011912345678\".";
        }

        var region = Numbers.GetRegionCodeForNumber(number);
        if (!Numbers.IsValidNumber(number))
        {
            var where = IsGeographic(region) ? $"region {region} (+{number.CountryCode})" : $"country code +{number.CountryCode}";
            return $"Not a valid number for {where}: check the digits, e.g. \"{MobileExample(region ?? Numbers.GetRegionCodeForCountryCode(number.CountryCode))}\".";
        }

        var type = Numbers.GetNumberType(number);
        return ReceivesSms(type)
            ? null
            : $"Cannot receive SMS: it is {Describe(type)}; give a mobile number, e.g. \"{MobileExample(region)}\".";
    }

    // Mobiles; numbers the plan cannot tell from mobiles (all of North America); personal numbers, which forward to the
    // subscriber's own phone (Twilio's +1 500 test numbers are such); and VoIP numbers, many of which take SMS.
    private static bool ReceivesSms(PhoneNumberType type) =>
        type is PhoneNumberType.MOBILE or PhoneNumberType.FIXED_LINE_OR_MOBILE or PhoneNumberType.PERSONAL_NUMBER or PhoneNumberType.VOIP;

    private static string Describe(PhoneNumberType type) => type switch
    {
        PhoneNumberType.FIXED_LINE => "a fixed-line number",
        PhoneNumberType.TOLL_FREE => "a toll-free number",
        PhoneNumberType.PREMIUM_RATE => "a premium-rate number",
        PhoneNumberType.SHARED_COST => "a shared-cost number",
        PhoneNumberType.PAGER => "a pager number",
        PhoneNumberType.UAN => "a universal access number (UAN)",
        PhoneNumberType.VOICEMAIL => "a voicemail access number",
        _ => "a number of unknown type",
    };

    private static bool IsGeographic(string? region) => region is not null && region != "001";

    private static string MobileExample(string? region) =>
        IsGeographic(region) && Numbers.GetExampleNumberForType(region, PhoneNumberType.MOBILE) is { } example
            ? Numbers.Format(example, PhoneNumberFormat.E164)
            : Example;

    // '+', a country code (never starting with 0) and at most 15 digits in all, nothing else.
    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}\z")]
    private static partial Regex E164Form();
}
