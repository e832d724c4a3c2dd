using PaymentNotifications.Grains.Interfaces.Merchants;
using PaymentNotifications.Grains.Webhooks;

namespace PaymentNotifications.Api.Validation;

/// <summary>Validates the body of <c>PUT /v1/merchants/{merchantId}/webhook-endpoint</c>.</summary>
public static class WebhookEndpointRules
{
    /// <summary>
    /// Every problem with <paramref name="request"/>, keyed by camelCase path; empty when valid. The URL must also
    /// pass <paramref name="guard"/>: https when required, no credentials or fragment, no refused network.
    /// </summary>
    public static Dictionary<string, string[]> Validate(WebhookEndpointRequest request, WebhookTargetGuard guard)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(guard);
        var errors = new ValidationErrors();
        var urlError = FieldRules.Url(request.Url);
        if (urlError is null)
        {
            urlError = Uri.TryCreate(request.Url, UriKind.Absolute, out var url) ? guard.ValidateUrl(url) : "Not an absolute URL.";
            if (urlError is not null && guard.RequireHttps && url?.Scheme == Uri.UriSchemeHttp)
            {
                urlError += " (Webhooks:RequireHttps is on; durable mode turns it on unless configured.)";
            }
        }
        errors.Check("url", urlError);

        if (request.Secret is not null && !WebhookSecret.TryParse(request.Secret, out _, out var secretError))
        {
            errors.Add("secret", secretError);
        }

        if (request.EventTypes is { } types)
        {
            if (types.Count > FieldRules.MaxEventTypes)
            {
                errors.Add("eventTypes", $"At most {FieldRules.MaxEventTypes} event types.");
            }
            else
            {
                for (var i = 0; i < types.Count; i++)
                {
                    errors.Check($"eventTypes[{i}]", FieldRules.NotificationType(types[i]));
                }
            }
        }

        return errors.ToDictionary();
    }
}
