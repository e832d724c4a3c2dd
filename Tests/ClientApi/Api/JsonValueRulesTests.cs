using System.Text;
using PaymentNotifications.Api;

namespace PaymentNotifications.Tests.ClientApi.Api;

public sealed class JsonValueRulesTests
{
    public static TheoryData<string> Storable() =>
    [
        """{}""",
        """{"a":"plain","b":"ünïcödé ✓","c":"\ud83d\ude00","d":"😀","e":"\\u0000 is only text here"}""",
        """{"n":[0,-0.0,1e308,-1.7976931348623157e308,5e-324,123456789012345678901234567890]}""",
        """{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]}""",
        """{"A":1,"a":2}""",
        """[1,"two",{"three":3},null,true]""",
        """{"tab":"\t","escapes":"\"\\\/\b\f\n\r\u00e9"}""",
        "{\"deep\":" + new string('[', 60) + new string(']', 60) + "}",
    ];

    [Theory]
    [MemberData(nameof(Storable))]
    public void Values_every_store_takes_pass(string json) => Assert.Null(JsonValueRules.FirstBroken(Encoding.UTF8.GetBytes(json)));

    public static TheoryData<string, string> Unstorable() => new()
    {
        { """{"data":{"note":"\ud800"}}""", "'data.note' is not valid Unicode" },
        { """{"data":{"note":"ok","list":[1,"a\udc00"]}}""", "'data.list[1]' is not valid Unicode" },
        { """{"x":"\ude00\ud83d"}""", "'x' is not valid Unicode" },
        { """{"x":"\ud83d\u0041"}""", "'x' is not valid Unicode" },
        { """{"k\ud800":1}""", "not valid Unicode" },
        { """{"idempotencyKey":"a\u0000b"}""", "'idempotencyKey' contains U+0000" },
        { """{"a\u0000":1}""", "A field name at 'a" },
        { """{"data":{"amount":1e400}}""", "'data.amount' is out of range" },
        { """{"data":{"amount":-1e99999}}""", "'data.amount' is out of range" },
        { "{\"n\":1" + new string('0', 100) + "}", "'n' is out of range" },
        { """{"channel":"sms","channel":"email"}""", "'channel' appears twice" },
        { """{"recipient":{"phone":"+1","phone":"+2"}}""", "'recipient.phone' appears twice" },
        { """[{"a":1},{"a":1,"a":2}]""", "'[1].a' appears twice" },
    };

    [Theory]
    [MemberData(nameof(Unstorable))]
    public void Values_no_store_takes_are_named_with_their_path(string json, string expected)
    {
        var broken = JsonValueRules.FirstBroken(Encoding.UTF8.GetBytes(json));

        Assert.NotNull(broken);
        Assert.Contains(expected, broken);
    }

    [Theory]
    [InlineData("""{"a":""")]
    [InlineData("""{"a":1,}""")]
    [InlineData("not json")]
    public void Syntax_errors_are_left_to_the_deserializer_to_describe(string json) => Assert.Null(JsonValueRules.FirstBroken(Encoding.UTF8.GetBytes(json)));
}
