namespace PaymentNotifications.Silo.Sandbox;

/// <summary>Faults a sandbox provider injects; rates are probabilities per request between 0 and 1.</summary>
/// <param name="ErrorRate">Share of requests answered with a 500 in the provider's error shape.</param>
/// <param name="LatencyMs">Delay added before every request is handled.</param>
/// <param name="TimeoutRate">Share of accepted messages whose answer is held past the client's timeout (the provider has the message).</param>
/// <param name="Down">Answer every request with 503 and Retry-After.</param>
/// <param name="UndeliveredRate">Share of accepted messages later reported undelivered (Twilio status callback, SendGrid bounce event).</param>
/// <param name="ThrottleRate">Share of requests refused as rate limited (429 with Retry-After, or the provider's own throttling answer).</param>
/// <param name="RetryAfterSeconds">Retry-After sent with throttling and down answers.</param>
public sealed record FaultSettings(
    double ErrorRate = 0,
    int LatencyMs = 0,
    double TimeoutRate = 0,
    bool Down = false,
    double UndeliveredRate = 0,
    double ThrottleRate = 0,
    int RetryAfterSeconds = 1)
{
    /// <summary>No faults.</summary>
    public static FaultSettings None { get; } = new();

    /// <summary>Problems with these settings; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var (name, rate) in new[] { ("errorRate", ErrorRate), ("timeoutRate", TimeoutRate), ("undeliveredRate", UndeliveredRate), ("throttleRate", ThrottleRate) })
        {
            if (rate is < 0 or > 1 || double.IsNaN(rate))
            {
                problems.Add($"{name} must be between 0 and 1.");
            }
        }

        if (LatencyMs < 0) problems.Add("latencyMs must not be negative.");
        if (RetryAfterSeconds < 0) problems.Add("retryAfterSeconds must not be negative.");
        return problems;
    }
}

/// <summary>The fault settings of every sandbox provider, changeable at run time, with seeded dice.</summary>
public sealed class SandboxFaults
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FaultSettings> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Random> _dice = new(StringComparer.Ordinal);
    private readonly int? _seed;

    public SandboxFaults(int? seed = null) => _seed = seed;

    /// <summary>The current settings of a provider.</summary>
    public FaultSettings Get(string provider)
    {
        lock (_lock)
        {
            return _settings.GetValueOrDefault(provider, FaultSettings.None);
        }
    }

    /// <summary>Replaces the settings of a provider; throws <see cref="ArgumentException"/> when they are invalid.</summary>
    public void Set(string provider, FaultSettings settings)
    {
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(settings));
        }

        lock (_lock)
        {
            _settings[provider] = settings;
        }
    }

    /// <summary>Clears the faults of every provider.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _settings.Clear();
        }
    }

    /// <summary>Rolls a provider's dice: true with probability <paramref name="rate"/>. A zero rate does not roll.</summary>
    internal bool Roll(string provider, double rate)
    {
        if (rate <= 0)
        {
            return false;
        }

        lock (_lock)
        {
            if (!_dice.TryGetValue(provider, out var dice))
            {
                dice = _seed is { } seed ? new Random(seed) : new Random();
                _dice[provider] = dice;
            }

            return dice.NextDouble() < rate;
        }
    }
}
