using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using PaymentNotifications.Api.Validation;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Api.Validation;

public sealed class FieldRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("+5511912345678")]
    [InlineData("+14155552671")]
    [InlineData("+447400123456")]
    [InlineData("+4915112345678")]
    public void E164_numbers_pass(string phone) => Assert.Null(FieldRules.PhoneNumber(phone));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("5511912345678")]
    [InlineData("+1234567")]
    [InlineData("+1234567890123456")]
    [InlineData("+0511912345678")]
    [InlineData("+55 11 91234-5678")]
    [InlineData("+55119123456a8")]
    [InlineData("+5511912345678\n")]
    [InlineData("+٥٥١١٩١٢٣٤٥٦٧٨")]
    public void Other_phone_forms_fail(string? phone) => Assert.NotNull(FieldRules.PhoneNumber(phone));

    [Fact]
    public void A_number_that_passes_is_a_plus_and_at_most_15_digits_not_starting_with_0()
    {
        var gen = from length in Gen.Choose(1, 20)
                  from digits in Gen.ArrayOf(Gen.Choose(0, 9), length)
                  select digits;
        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), digits =>
        {
            var phone = "+" + string.Concat(digits);
            return FieldRules.PhoneNumber(phone) is not null || (digits.Length <= 15 && digits[0] != 0);
        }));
    }

    [Theory]
    [InlineData("ana@example.com")]
    [InlineData("ana.maria+tag@mail.example.com.br")]
    [InlineData("o'brien@example.ie")]
    [InlineData("user@xn--bcher-kva.example")]
    public void Plain_email_addresses_pass(string email) => Assert.Null(FieldRules.EmailAddress(email));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ana")]
    [InlineData("ana@")]
    [InlineData("@example.com")]
    [InlineData("ana@localhost")]
    [InlineData("ana@example..com")]
    [InlineData("ana@-example.com")]
    [InlineData("ana@example.com.")]
    [InlineData("Ana <ana@example.com>")]
    [InlineData(" ana@example.com")]
    [InlineData("ana@example.com ")]
    [InlineData("ana maria@example.com")]
    [InlineData("ana@exa mple.com")]
    [InlineData("ana@example.com\r\nBcc: x@y.com")]
    [InlineData("a@b@example.com")]
    public void Malformed_email_addresses_fail(string? email) => Assert.NotNull(FieldRules.EmailAddress(email));

    [Fact]
    public void Email_length_is_bounded()
    {
        Assert.NotNull(FieldRules.EmailAddress(new string('a', 65) + "@example.com"));
        Assert.Null(FieldRules.EmailAddress(new string('a', 64) + "@example.com"));
        Assert.Contains("254", FieldRules.EmailAddress("a@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 5)) + ".com"));
    }

    [Theory]
    [InlineData("charge-8812-paid")]
    [InlineData("a")]
    [InlineData("with inner space")]
    [InlineData("~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./")]
    public void Printable_ascii_idempotency_keys_pass(string key) => Assert.Null(FieldRules.IdempotencyKey(key));

    [Theory]
    [InlineData(null, "Required")]
    [InlineData("", "Required")]
    [InlineData("tab\there", "printable ASCII")]
    [InlineData("café", "printable ASCII")]
    [InlineData("line\n", "printable ASCII")]
    [InlineData(" lead", "leading or trailing")]
    [InlineData("trail ", "leading or trailing")]
    public void Other_idempotency_keys_fail(string? key, string expected) => Assert.Contains(expected, FieldRules.IdempotencyKey(key));

    [Fact]
    public void Idempotency_keys_are_at_most_200_characters()
    {
        Assert.Null(FieldRules.IdempotencyKey(new string('k', 200)));
        Assert.Contains("200", FieldRules.IdempotencyKey(new string('k', 201)));
    }

    [Theory]
    [InlineData("charge.paid")]
    [InlineData("otp")]
    [InlineData("security_alert-v2.login")]
    public void Lower_case_dotted_types_pass(string type) => Assert.Null(FieldRules.NotificationType(type));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Charge.Paid")]
    [InlineData("charge paid")]
    [InlineData("charge/paid")]
    [InlineData("charge.paid\n")]
    [InlineData("pagação")]
    public void Other_types_fail(string? type) => Assert.NotNull(FieldRules.NotificationType(type));

    [Fact]
    public void Types_are_at_most_100_characters()
    {
        Assert.Null(FieldRules.NotificationType(new string('a', 100)));
        Assert.NotNull(FieldRules.NotificationType(new string('a', 101)));
    }

    [Theory]
    [InlineData("https://example.com/webhooks")]
    [InlineData("http://example.com:8080/x?y=1")]
    [InlineData("https://[2001:db8::1]/x")]
    public void Absolute_http_urls_pass(string url) => Assert.Null(FieldRules.Url(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/relative")]
    [InlineData("example.com/x")]
    [InlineData("ftp://example.com/x")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://user:pass@example.com/")]
    public void Other_urls_fail(string? url) => Assert.NotNull(FieldRules.Url(url));

    [Fact]
    public void Urls_are_at_most_2048_characters()
    {
        Assert.NotNull(FieldRules.Url("https://example.com/" + new string('a', 2048)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-300)]
    [InlineData(30 * 24 * 3600)]
    public void Send_at_within_five_minutes_back_and_thirty_days_ahead_passes(int offsetSeconds) =>
        Assert.Null(FieldRules.SendAt(Now.AddSeconds(offsetSeconds), Now));

    [Theory]
    [InlineData(-301)]
    [InlineData(30 * 24 * 3600 + 1)]
    public void Send_at_outside_the_window_fails(int offsetSeconds) =>
        Assert.NotNull(FieldRules.SendAt(Now.AddSeconds(offsetSeconds), Now));

    [Fact]
    public void Absent_send_at_passes() => Assert.Null(FieldRules.SendAt(null, Now));

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static string Nested(int levels) => string.Concat(Enumerable.Repeat("{\"a\":", levels - 1)) + "{}" + new string('}', levels - 1);

    [Fact]
    public void Depth_counts_objects_and_arrays()
    {
        Assert.Equal(0, FieldRules.Depth(Json("1")));
        Assert.Equal(1, FieldRules.Depth(Json("{}")));
        Assert.Equal(1, FieldRules.Depth(Json("""{"a":1,"b":"x"}""")));
        Assert.Equal(3, FieldRules.Depth(Json("""{"a":[{"b":1}],"c":2}""")));
        Assert.Equal(10, FieldRules.Depth(Json(Nested(10))));
    }

    [Fact]
    public void Data_up_to_ten_levels_passes_and_eleven_fail()
    {
        Assert.Null(FieldRules.Data(Json(Nested(10))));
        Assert.Contains("10 levels", FieldRules.Data(Json(Nested(11))));
        Assert.Contains("10 levels", FieldRules.Data(Json("""{"a":[[[[[[[[[[1]]]]]]]]]]}""")));
    }

    [Fact]
    public void Data_up_to_64_KiB_passes_and_more_fails()
    {
        var overhead = Encoding.UTF8.GetByteCount("{\"s\":\"\"}");
        Assert.Null(FieldRules.Data(Json($$"""{"s":"{{new string('x', 65536 - overhead)}}"}""")));
        Assert.Contains("64 KiB", FieldRules.Data(Json($$"""{"s":"{{new string('x', 65537 - overhead)}}"}""")));
        // Size is measured in UTF-8 bytes, not characters.
        Assert.NotNull(FieldRules.Data(Json($$"""{"s":"{{new string('é', 33000)}}"}""")));
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public void Data_must_be_an_object(string json) => Assert.Contains("object", FieldRules.Data(Json(json)));

    [Fact]
    public void Absent_or_null_data_passes()
    {
        Assert.Null(FieldRules.Data(null));
        Assert.Null(FieldRules.Data(Json("null")));
        Assert.Null(FieldRules.Data(default(JsonElement)));
    }

    [Theory]
    [InlineData("m-42")]
    [InlineData("user 7")]
    public void Identifiers_pass(string id) => Assert.Null(FieldRules.Identifier(id));

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    [InlineData("a\u0000b")]
    public void Bad_identifiers_fail(string? id) => Assert.NotNull(FieldRules.Identifier(id));

    [Fact]
    public void Device_tokens_are_visible_ascii()
    {
        Assert.Null(FieldRules.DeviceToken("fcm:APA91bH-token_123"));
        Assert.NotNull(FieldRules.DeviceToken("with space"));
        Assert.NotNull(FieldRules.DeviceToken(new string('a', 4097)));
        Assert.NotNull(FieldRules.DeviceToken(""));
    }

    [Theory]
    [InlineData("m-42", true)]
    [InlineData("shop.example_1", true)]
    [InlineData("m 42", false)]
    [InlineData("m/42", false)]
    [InlineData("", false)]
    public void Merchant_ids_keep_to_url_safe_characters(string id, bool valid) => Assert.Equal(valid, FieldRules.MerchantId(id) is null);

    [Fact]
    public void Merchant_ids_have_at_most_100_characters()
    {
        Assert.Null(FieldRules.MerchantId(new string('m', 100)));
        Assert.NotNull(FieldRules.MerchantId(new string('m', 101)));
    }

    [Theory]
    [InlineData("u-1", true)]
    [InlineData("ana@example.com", true)]
    [InlineData("+5511912345678", true)]
    [InlineData("ana smith", false)]
    [InlineData("ana/smith", false)]
    [InlineData("", false)]
    public void User_ids_keep_to_path_safe_characters(string id, bool valid) => Assert.Equal(valid, FieldRules.UserId(id) is null);

    [Theory]
    [InlineData("en", true)]
    [InlineData("pt-BR", true)]
    [InlineData("zh-Hant-TW", true)]
    [InlineData("EN", false)]
    [InlineData("english", false)]
    [InlineData("pt_BR", false)]
    [InlineData("", false)]
    public void Locales_are_language_tags(string locale, bool valid) => Assert.Equal(valid, FieldRules.Locale(locale) is null);

    [Theory]
    [InlineData("acme", true)]
    [InlineData("Acme Pagamentos Ltda.", true)]
    [InlineData(" acme", false)]
    [InlineData("acme\n", false)]
    [InlineData("", false)]
    public void Tenant_names_are_trimmed_visible_text(string name, bool valid) => Assert.Equal(valid, FieldRules.TenantName(name) is null);

    [Fact]
    public void Free_text_is_bounded_only_by_its_length()
    {
        Assert.Null(FieldRules.Text(null, 10));
        Assert.Null(FieldRules.Text(new string('x', 10), 10));
        Assert.NotNull(FieldRules.Text(new string('x', 11), 10));
    }
}
