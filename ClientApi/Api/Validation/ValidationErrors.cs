namespace PaymentNotifications.Api.Validation;

/// <summary>Collects field-level validation messages keyed by camelCase paths such as "recipient.phone".</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>True when nothing was reported.</summary>
    public bool IsValid => _errors.Count == 0;

    /// <summary>Number of fields with at least one message.</summary>
    public int Count => _errors.Count;

    /// <summary>Adds <paramref name="message"/> for <paramref name="path"/>.</summary>
    public ValidationErrors Add(string path, string message)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(message);
        if (!_errors.TryGetValue(path, out var messages))
        {
            _errors[path] = messages = [];
        }

        if (!messages.Contains(message))
        {
            messages.Add(message);
        }

        return this;
    }

    /// <summary>Adds <paramref name="message"/> for <paramref name="path"/> when it is not null; rules return null for valid values.</summary>
    public ValidationErrors Check(string path, string? message) => message is null ? this : Add(path, message);

    /// <summary>The field-to-messages map for an RFC 9457 problem's <c>errors</c> member.</summary>
    public Dictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
