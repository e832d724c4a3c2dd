using Microsoft.Extensions.Options;

namespace PaymentNotifications.Grains.Webhooks;

/// <summary>Checks <c>Webhooks:*</c> at start-up by building the guard, so a malformed entry stops the start, named.</summary>
public sealed class WebhookTargetGuardOptionsValidator : IValidateOptions<WebhookTargetGuardOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookTargetGuardOptions options)
    {
        try
        {
            _ = new WebhookTargetGuard(options);
            return ValidateOptionsResult.Success;
        }
        catch (FormatException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
