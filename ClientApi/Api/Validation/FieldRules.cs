using System.Net.Mail;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PaymentNotifications.Grains.Channels;

namespace PaymentNotifications.Api.Validation;

/// <summary>Rules for single request fields. Each returns null for a valid value, else a message for the client.</summary>
public static partial class FieldRules
{
    /// <summary>Longest idempotency key.</summary>
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>Longest notification type (and template name).</summary>
    public const int MaxTypeLength = 100;

    /// <summary>Longest email address (RFC 5321 path limit).</summary>
    public const int MaxEmailLength = 254;

    /// <summary>Longest URL.</summary>
    public const int MaxUrlLength = 2048;

    /// <summary>Longest identifier such as a merchant or user id.</summary>
    public const int MaxIdLength = 200;

    /// <summary>Longest merchant id; merchant ids appear in URL paths, so they keep to URL-safe characters.</summary>
    public const int MaxMerchantIdLength = 100;

    /// <summary>Longest locale tag.</summary>
    public const int MaxLocaleLength = 35;

    /// <summary>Longest tenant name.</summary>
    public const int MaxTenantNameLength = 100;

    /// <summary>Longest email subject or push title.</summary>
    public const int MaxSubjectLength = 998;

    /// <summary>Longest inline text body.</summary>
    public const int MaxTextLength = 32 * 1024;

    /// <summary>Longest inline HTML body.</summary>
    public const int MaxHtmlLength = 128 * 1024;

    /// <summary>Most event types a webhook endpoint subscribes to.</summary>
    public const int MaxEventTypes = 100;

    /// <summary>Longest push device token.</summary>
    public const int MaxDeviceTokenLength = 4096;

    /// <summary>Deepest nesting of objects and arrays in <c>data</c>; the outer object is level 1.</summary>
    public const int MaxDataDepth = 10;

    /// <summary>Largest <c>data</c> as UTF-8 JSON.</summary>
    public const int MaxDataBytes = 64 * 1024;

    /// <summary>How far in the past <c>sendAt</c> may be (clock skew between client and server).</summary>
    public static readonly TimeSpan SendAtPastTolerance = TimeSpan.FromMinutes(5);

    /// <summary>How far ahead <c>sendAt</c> may be.</summary>
    public static readonly TimeSpan SendAtHorizon = TimeSpan.FromDays(30);

    /// <summary>1 to 200 printable ASCII characters (space to '~'), without leading or trailing spaces (headers would lose them).</summary>
    public static string? IdempotencyKey(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "Required.";
        }

        if (value.Length > MaxIdempotencyKeyLength)
        {
            return $"At most {MaxIdempotencyKeyLength} characters.";
        }

        if (value.Any(c => c is < ' ' or > '~'))
        {
            return "Only printable ASCII characters.";
        }

        return value[0] == ' ' || value[^1] == ' ' ? "No leading or trailing spaces." : null;
    }

    /// <summary>1 to 100 characters of a-z, 0-9, '.', '_' and '-', e.g. "charge.paid".</summary>
    public static string? NotificationType(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "Required.";
        }

        if (value.Length > MaxTypeLength)
        {
            return $"At most {MaxTypeLength} characters.";
        }

        return TypePattern().IsMatch(value) ? null : "Only lower-case letters, digits, '.', '_' and '-'.";
    }

    /// <summary>
    /// A phone number that can receive SMS, in E.164 form ('+', country code and number, digits only), valid for its
    /// region by libphonenumber and of a type an SMS can reach (mobile, not e.g. fixed-line, toll-free or premium-rate).
    /// </summary>
    public static string? PhoneNumber(string? value) => string.IsNullOrEmpty(value) ? "Required." : PhoneNumberRule.Check(value);

    /// <summary>A bare email address (no display name) with a dotted domain, at most 254 characters.</summary>
    public static string? EmailAddress(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "Required.";
        }

        const string invalid = "Not a valid email address, e.g. \"ana@example.com\".";
        if (value.Length > MaxEmailLength)
        {
            return $"At most {MaxEmailLength} characters.";
        }

        if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            || !MailAddress.TryCreate(value, out var address)
            || address.Address != value
            || !string.IsNullOrEmpty(address.DisplayName))
        {
            return invalid;
        }

        var at = value.LastIndexOf('@');
        var local = value[..at];
        var domain = value[(at + 1)..];
        var labels = domain.Split('.');
        if (local.Length is 0 or > 64 || labels.Length < 2 || labels.Any(l => l.Length is 0 or > 63 || l[0] == '-' || l[^1] == '-'))
        {
            return invalid;
        }

        return null;
    }

    /// <summary>An absolute http or https URL with a host, without user name or password, at most 2048 characters.</summary>
    public static string? Url(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "Required.";
        }

        if (value.Length > MaxUrlLength)
        {
            return $"At most {MaxUrlLength} characters.";
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "An absolute http or https URL, e.g. \"https://example.com/webhooks\".";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return "The URL must name a host.";
        }

        return string.IsNullOrEmpty(uri.UserInfo) ? null : "The URL must not contain a user name or password.";
    }

    /// <summary>An identifier such as a merchant or user id: 1 to 200 characters, no control characters.</summary>
    public static string? Identifier(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "Required.";
        }

        if (value.Length > MaxIdLength)
        {
            return $"At most {MaxIdLength} characters.";
        }

        return value.Any(char.IsControl) ? "No control characters." : null;
    }

    /// <summary>A user id: 1 to 200 characters of letters, digits, '.', '_', '-', '@' and '+' (it is a URL path segment).</summary>
    public static string? UserId(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "Required.";
        }

        if (value.Length > MaxIdLength)
        {
            return $"At most {MaxIdLength} characters.";
        }

        return UserIdPattern().IsMatch(value) ? null : "Only letters, digits, '.', '_', '-', '@' and '+'.";
    }

    /// <summary>A language tag such as "en", "pt" or "pt-BR".</summary>
    public static string? Locale(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "Required.";
        }

        return value.Length <= MaxLocaleLength && LocalePattern().IsMatch(value) ? null : "A language tag such as en, pt or pt-BR.";
    }

    /// <summary>A merchant id: 1 to 100 characters of letters, digits, '.', '_' and '-' (it is a URL path segment).</summary>
    public static string? MerchantId(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "Required.";
        }

        if (value.Length > MaxMerchantIdLength)
        {
            return $"At most {MaxMerchantIdLength} characters.";
        }

        return MerchantIdPattern().IsMatch(value) ? null : "Only letters, digits, '.', '_' and '-'.";
    }

    /// <summary>A tenant name: 1 to 100 characters, no control characters, no leading or trailing spaces.</summary>
    public static string? TenantName(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "Required.";
        }

        if (value.Length > MaxTenantNameLength)
        {
            return $"At most {MaxTenantNameLength} characters.";
        }

        if (value.Any(char.IsControl))
        {
            return "No control characters.";
        }

        return value.Trim() == value ? null : "No leading or trailing spaces.";
    }

    /// <summary>Optional text of at most <paramref name="maxLength"/> characters that goes into a header: one line.</summary>
    public static string? HeaderLine(string? value, int maxLength) =>
        Text(value, maxLength) ?? (value is not null && !HeaderText.IsSingleLine(value) ? HeaderText.Rule : null);

    /// <summary>Optional free text of at most <paramref name="maxLength"/> characters.</summary>
    public static string? Text(string? value, int maxLength) =>
        value is not null && value.Length > maxLength ? $"At most {maxLength} characters." : null;

    /// <summary>A push device token: 1 to 4096 visible ASCII characters.</summary>
    public static string? DeviceToken(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "Required.";
        }

        if (value.Length > MaxDeviceTokenLength)
        {
            return $"At most {MaxDeviceTokenLength} characters.";
        }

        return value.All(c => c is > ' ' and <= '~') ? null : "Only visible ASCII characters.";
    }

    /// <summary>Null or an instant within [now - 5 min, now + 30 days].</summary>
    public static string? SendAt(DateTimeOffset? value, DateTimeOffset now)
    {
        if (value is not { } sendAt)
        {
            return null;
        }

        if (sendAt < now - SendAtPastTolerance)
        {
            return "Must not be more than 5 minutes in the past.";
        }

        return sendAt > now + SendAtHorizon ? "Must be at most 30 days ahead." : null;
    }

    /// <summary>Null (absent), JSON null, or a JSON object nested at most 10 levels and at most 64 KiB as UTF-8.</summary>
    public static string? Data(JsonElement? value)
    {
        if (value is not { } data || data.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        if (data.ValueKind != JsonValueKind.Object)
        {
            return "Must be a JSON object.";
        }

        if (Encoding.UTF8.GetByteCount(data.GetRawText()) > MaxDataBytes)
        {
            return $"At most {MaxDataBytes / 1024} KiB of JSON.";
        }

        return Depth(data) > MaxDataDepth ? $"At most {MaxDataDepth} levels of nesting." : null;
    }

    /// <summary>Levels of objects and arrays: a primitive is 0, an object or array 1 plus its deepest member.</summary>
    public static int Depth(JsonElement element)
    {
        var deepest = 0;
        var pending = new Stack<(JsonElement Element, int Level)>();
        pending.Push((element, 1));
        while (pending.Count > 0)
        {
            var (current, level) = pending.Pop();
            IEnumerable<JsonElement> children;
            switch (current.ValueKind)
            {
                case JsonValueKind.Object:
                    children = current.EnumerateObject().Select(p => p.Value);
                    break;
                case JsonValueKind.Array:
                    children = current.EnumerateArray();
                    break;
                default:
                    continue;
            }

            deepest = Math.Max(deepest, level);
            foreach (var child in children)
            {
                pending.Push((child, level + 1));
            }
        }

        return deepest;
    }

    [GeneratedRegex(@"^[a-z0-9._-]+\z")]
    private static partial Regex TypePattern();

    [GeneratedRegex(@"^[A-Za-z0-9._-]+\z")]
    private static partial Regex MerchantIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._@+-]+\z")]
    private static partial Regex UserIdPattern();

    [GeneratedRegex(@"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\z")]
    private static partial Regex LocalePattern();
}
