using Microsoft.Extensions.Options;

namespace PaymentNotifications.Grains.Channels;

/// <summary>Settings every provider adapter has: where the API is and how long one attempt may take.</summary>
public abstract class ProviderOptions
{
    protected ProviderOptions(string defaultBaseUrl) => BaseUrl = defaultBaseUrl;

    /// <summary>Base URL of the provider's API; the documented path is appended. Default: the provider's public API.</summary>
    public string BaseUrl { get; set; }

    /// <summary>Time one HTTP attempt may take, from connecting to reading the whole answer. Default 15 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Problems with these settings; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"{nameof(BaseUrl)} must be an absolute http(s) URL.");
        }

        if (AttemptTimeout <= TimeSpan.Zero || AttemptTimeout > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{nameof(AttemptTimeout)} must be above zero and at most 10 minutes.");
        }

        problems.AddRange(ValidateProvider());
        return problems;
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> naming every problem.</summary>
    public void EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(GetType().Name, GetType(), problems.Select(p => $"{GetType().Name}: {p}"));
        }
    }

    /// <summary>The provider-specific problems.</summary>
    protected abstract IEnumerable<string> ValidateProvider();

    /// <summary>The base URL joined with an API path.</summary>
    internal Uri Endpoint(string path) => new(BaseUrl.TrimEnd('/') + path);

    protected static bool Missing(string? value) => string.IsNullOrWhiteSpace(value);
}

/// <summary>Validates provider options at start-up with the options' own rules.</summary>
internal sealed class ProviderOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : ProviderOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var problems = options.Validate();
        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems.Select(p => $"{typeof(TOptions).Name}: {p}"));
    }
}
