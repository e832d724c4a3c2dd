namespace PaymentNotifications.Silo.Sandbox;

/// <summary>One message a sandbox provider accepted, as it arrived.</summary>
/// <param name="AuthenticatedAs">The non-secret principal that authenticated (account SID, API key id, client email, team/key id).</param>
/// <param name="Fields">Form fields of form APIs, without secrets.</param>
/// <param name="Json">Raw JSON body of JSON APIs.</param>
/// <param name="Headers">Provider-specific request headers (e.g. apns-*), without authorization.</param>
/// <param name="Status">"delivered", or "undelivered" when an undelivered receipt was injected.</param>
public sealed record SandboxMessage(
    string Provider,
    string Id,
    DateTimeOffset ReceivedAt,
    string Protocol,
    string AuthenticatedAs,
    string Recipient,
    IReadOnlyDictionary<string, string> Fields,
    string? Json,
    IReadOnlyDictionary<string, string> Headers,
    string Status = SandboxMessage.Delivered)
{
    public const string Delivered = "delivered";
    public const string Undelivered = "undelivered";
}

/// <summary>In-memory record of every message the sandbox providers accepted and of the access tokens they granted.</summary>
public sealed class SandboxRecorder
{
    private readonly Lock _lock = new();
    private readonly List<SandboxMessage> _messages = [];
    private readonly Dictionary<string, int> _tokenGrants = new(StringComparer.Ordinal);

    /// <summary>The accepted messages of one provider, oldest first.</summary>
    public IReadOnlyList<SandboxMessage> Messages(string provider)
    {
        lock (_lock)
        {
            return _messages.Where(m => m.Provider == provider).ToList();
        }
    }

    /// <summary>A message by provider and provider message id.</summary>
    public SandboxMessage? Find(string provider, string id)
    {
        lock (_lock)
        {
            return _messages.FirstOrDefault(m => m.Provider == provider && m.Id == id);
        }
    }

    /// <summary>How many access tokens a provider's token endpoint granted (FCM).</summary>
    public int TokenGrants(string provider)
    {
        lock (_lock)
        {
            return _tokenGrants.GetValueOrDefault(provider);
        }
    }

    /// <summary>Forgets the messages and token grants of one provider, or of all.</summary>
    public void Clear(string? provider = null)
    {
        lock (_lock)
        {
            _messages.RemoveAll(m => provider is null || m.Provider == provider);
            if (provider is null)
            {
                _tokenGrants.Clear();
            }
            else
            {
                _tokenGrants.Remove(provider);
            }
        }
    }

    internal void Add(SandboxMessage message)
    {
        lock (_lock)
        {
            _messages.Add(message);
        }
    }

    internal void SetStatus(string provider, string id, string status)
    {
        lock (_lock)
        {
            var index = _messages.FindIndex(m => m.Provider == provider && m.Id == id);
            if (index >= 0)
            {
                _messages[index] = _messages[index] with { Status = status };
            }
        }
    }

    internal void CountTokenGrant(string provider)
    {
        lock (_lock)
        {
            _tokenGrants[provider] = _tokenGrants.GetValueOrDefault(provider) + 1;
        }
    }
}
