using System.Collections.Concurrent;

namespace PaymentNotifications.LoadTest.Receiving;

/// <summary>One request that reached a receiver: when, and what the receiver answered (2xx means it took the delivery).</summary>
public readonly record struct Arrival(DateTimeOffset At, int Answered)
{
    public bool Delivered => Answered is >= 200 and < 300;
}

/// <summary>What a receiver saw of one notification.</summary>
public sealed class ArrivalRecord
{
    internal readonly Lock Gate = new();
    private readonly List<Arrival>? _all;

    internal ArrivalRecord(bool keepAll) => _all = keepAll ? [] : null;

    /// <summary>The first arrival the receiver took (2xx), or null.</summary>
    public DateTimeOffset? FirstDelivery { get; private set; }

    /// <summary>Arrivals answered 2xx.</summary>
    public int Deliveries { get; private set; }

    /// <summary>Arrivals answered otherwise (injected faults).</summary>
    public int Refusals { get; private set; }

    /// <summary>Every arrival, oldest first, when the store keeps them (the soak's checker needs them); else empty.</summary>
    public IReadOnlyList<Arrival> All
    {
        get
        {
            lock (Gate)
            {
                return _all is null ? [] : _all.ToList();
            }
        }
    }

    /// <summary>Adds an arrival; true when it is the first delivery of this notification.</summary>
    internal bool Add(Arrival arrival)
    {
        lock (Gate)
        {
            _all?.Add(arrival);
            if (!arrival.Delivered)
            {
                Refusals++;
                return false;
            }
            Deliveries++;
            if (FirstDelivery is null || arrival.At < FirstDelivery)
            {
                var first = FirstDelivery is null;
                FirstDelivery = arrival.At;
                return first;
            }
            return false;
        }
    }
}

/// <summary>Arrivals at the receivers by notification id, counted as they come so a progress line can show them.</summary>
public sealed class DeliveryArrivals(bool keepAll = false)
{
    private readonly ConcurrentDictionary<string, ArrivalRecord> _byId = new(StringComparer.Ordinal);
    private long _firstDeliveries;
    private long _deliveries;
    private long _refusals;

    /// <summary>Whether every arrival is kept (not only the first delivery and counts).</summary>
    public bool KeepAll { get; } = keepAll;

    /// <summary>Notifications delivered at least once.</summary>
    public long UniqueDelivered => Interlocked.Read(ref _firstDeliveries);

    /// <summary>Deliveries in total, repeats included.</summary>
    public long Deliveries => Interlocked.Read(ref _deliveries);

    /// <summary>Arrivals refused by injected faults.</summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <summary>Notifications that arrived more than once as deliveries.</summary>
    public long Duplicated => _byId.Values.Count(r => r.Deliveries > 1);

    public IReadOnlyDictionary<string, ArrivalRecord> ById => _byId;

    public ArrivalRecord? Find(string id) => _byId.GetValueOrDefault(id);

    public void Record(string notificationId, DateTimeOffset at, int answered)
    {
        var record = _byId.GetOrAdd(notificationId, static (_, keep) => new ArrivalRecord(keep), KeepAll);
        var arrival = new Arrival(at, answered);
        if (record.Add(arrival))
        {
            Interlocked.Increment(ref _firstDeliveries);
        }
        if (arrival.Delivered)
        {
            Interlocked.Increment(ref _deliveries);
        }
        else
        {
            Interlocked.Increment(ref _refusals);
        }
    }

    /// <summary>Notifications whose first delivery fell in [from, to).</summary>
    public long FirstDeliveriesBetween(DateTimeOffset from, DateTimeOffset to) =>
        _byId.Values.LongCount(r => r.FirstDelivery is { } first && first >= from && first < to);
}
