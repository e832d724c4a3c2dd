using PaymentNotifications.LoadTest.Measure;
using PaymentNotifications.Silo.Sandbox;

namespace PaymentNotifications.LoadTest.Receiving;

/// <summary>
/// The sandbox SMS, e-mail and push providers hosted by the generator (so a silo killed mid-run cannot lose their
/// records), and a tap that copies the messages they accept into <see cref="DeliveryArrivals"/> by notification id,
/// matched through the unique address each generated notification is sent to.
/// </summary>
public sealed class SandboxTap : IAsyncDisposable
{
    private readonly SandboxProviders _sandbox;
    private readonly DeliveryArrivals _arrivals;
    private readonly SubmissionLog _submissions;
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly List<SandboxMessage> _unmatched = [];
    private readonly Lock _lock = new();

    private SandboxTap(SandboxProviders sandbox, DeliveryArrivals arrivals, SubmissionLog submissions)
    {
        _sandbox = sandbox;
        _arrivals = arrivals;
        _submissions = submissions;
    }

    public SandboxFaults Faults => _sandbox.Faults;

    /// <summary>Accepted messages no generated notification could be matched to (yet).</summary>
    public int Unmatched
    {
        get
        {
            lock (_lock)
            {
                return _unmatched.Count;
            }
        }
    }

    /// <summary>Provider names as the sandbox routes them: twilio, vonage, sendgrid, mailgun, fcm, apns.</summary>
    public static IReadOnlyList<string> Providers => SandboxEndpoints.Providers;

    public static async Task<SandboxTap> StartAsync(DeliveryArrivals arrivals, SubmissionLog submissions, int? seed, CancellationToken cancellationToken)
    {
        var sandbox = await SandboxProviders.StartAsync(new SandboxOptions { RandomSeed = seed }, cancellationToken);
        return new SandboxTap(sandbox, arrivals, submissions);
    }

    /// <summary>The <c>Providers:*</c> settings that point a silo's adapters at these sandboxes (they hold credentials: never print them).</summary>
    public IReadOnlyDictionary<string, string?> AdapterConfiguration() => _sandbox.AdapterConfiguration();

    /// <summary>Copies the messages accepted since the last call into the arrivals; returns how many were matched.</summary>
    public int Poll()
    {
        lock (_lock)
        {
            var fresh = new List<SandboxMessage>(_unmatched);
            _unmatched.Clear();
            foreach (var provider in Providers)
            {
                var messages = _sandbox.Recorder.Messages(provider);
                var seen = _seen.GetValueOrDefault(provider);
                fresh.AddRange(messages.Skip(seen));
                _seen[provider] = messages.Count;
            }
            var matched = 0;
            foreach (var message in fresh)
            {
                if (_submissions.IdForAddress(message.Recipient) is { } id)
                {
                    _arrivals.Record(id, message.ReceivedAt, 200);
                    matched++;
                }
                else
                {
                    _unmatched.Add(message);
                }
            }
            return matched;
        }
    }

    public async ValueTask DisposeAsync() => await _sandbox.DisposeAsync();
}
