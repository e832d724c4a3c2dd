using PaymentNotifications.Api.Validation;
using Xunit;

namespace PaymentNotifications.Tests.ClientApi.Api.Validation;

public sealed class ValidationErrorsTests
{
    [Fact]
    public void Messages_collect_per_path_without_duplicates()
    {
        var errors = new ValidationErrors()
            .Add("recipient.phone", "Required.")
            .Add("recipient.phone", "Required.")
            .Add("recipient.phone", "Other.")
            .Check("type", null)
            .Check("data", "Too deep.");

        Assert.False(errors.IsValid);
        Assert.Equal(2, errors.Count);
        var map = errors.ToDictionary();
        Assert.Equal(new[] { "Required.", "Other." }, map["recipient.phone"]);
        Assert.Equal(new[] { "Too deep." }, map["data"]);
        Assert.False(map.ContainsKey("type"));
    }

    [Fact]
    public void Nothing_reported_is_valid()
    {
        Assert.True(new ValidationErrors().Check("x", null).IsValid);
        Assert.Empty(new ValidationErrors().ToDictionary());
    }
}
