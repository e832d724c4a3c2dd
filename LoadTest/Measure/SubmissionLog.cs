using System.Collections.Concurrent;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.LoadTest.Load;

namespace PaymentNotifications.LoadTest.Measure;

/// <summary>One notification as the generator submitted it: when its first submit was sent.</summary>
/// <param name="Address">Where a sandbox provider will see it (phone, e-mail, device token); null for webhooks.</param>
public sealed record Submission(string Id, string IdempotencyKey, long Sequence, Channel Channel, string? Address, DateTimeOffset SentAt);

/// <summary>The notifications a generator submitted, by id and by delivery address (to match what the sandbox providers see).</summary>
public sealed class SubmissionLog
{
    private readonly ConcurrentDictionary<string, Submission> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _idByAddress = new(StringComparer.Ordinal);

    public int Count => _byId.Count;

    public IEnumerable<Submission> All => _byId.Values;

    public Submission? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Notes a submitted notification; the first note wins (a repeat keeps the original send time).</summary>
    public void Note(PlannedRequest request, string id, DateTimeOffset sentAt)
    {
        if (_byId.TryAdd(id, new Submission(id, request.IdempotencyKey, request.Sequence, request.Channel, request.Address, sentAt)) && request.Address is { } address)
        {
            _idByAddress.TryAdd(Key(address), id);
        }
    }

    /// <summary>The notification delivered to an address, when a sandbox channel's delivery is seen.</summary>
    public string? IdForAddress(string address) => _idByAddress.GetValueOrDefault(Key(address));

    // Some SMS APIs (Vonage) take the E.164 number without its '+'.
    private static string Key(string address) => address.StartsWith('+') ? address[1..] : address;
}
