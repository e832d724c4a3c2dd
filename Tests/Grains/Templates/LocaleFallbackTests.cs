using PaymentNotifications.Grains.Templates;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Templates;

public sealed class LocaleFallbackTests
{
    [Theory]
    [InlineData("pt-BR", new[] { "en", "pt", "pt-BR" }, "es", "pt-BR")]
    [InlineData("pt-BR", new[] { "en", "pt" }, "es", "pt")]
    [InlineData("pt-BR", new[] { "en", "es" }, "es", "es")]
    [InlineData("pt-BR", new[] { "en", "es" }, "es-MX", "es")]
    [InlineData("pt-BR", new[] { "en", "fr" }, "es", "en")]
    [InlineData("pt-BR", new[] { "fr" }, "es", null)]
    [InlineData(null, new[] { "en", "es" }, "es", "es")]
    [InlineData(null, new[] { "en", "es" }, null, "en")]
    [InlineData("PT-br", new[] { "pt-BR" }, null, "pt-BR")]
    [InlineData("pt_BR", new[] { "pt-BR" }, null, "pt-BR")]
    [InlineData("pt-BR", new[] { "pt_BR" }, null, "pt_BR")]
    [InlineData("zh-Hant-TW", new[] { "zh", "zh-Hant" }, null, "zh-Hant")]
    public void Requested_then_parent_then_tenant_default_then_english(string? requested, string[] available, string? tenantDefault, string? expected)
    {
        Assert.Equal(expected, LocaleFallback.Resolve(requested, available, tenantDefault));
    }

    [Fact]
    public void Candidates_are_listed_in_order_without_duplicates()
    {
        Assert.Equal(new[] { "pt-BR", "pt", "es-MX", "es", "en" }, LocaleFallback.Candidates("pt-BR", "es-MX"));
        Assert.Equal(new[] { "en-GB", "en" }, LocaleFallback.Candidates("en-GB", "EN"));
        Assert.Equal(new[] { "en" }, LocaleFallback.Candidates(" ", null));
    }
}
