using System.Collections.Concurrent;
using PaymentNotifications.LoadTest.Load;

namespace PaymentNotifications.LoadTest.Measure;

/// <summary>Counters and latencies of the submits of one run, safe to record from many threads.</summary>
public sealed class RunMetrics
{
    private readonly long[] _byStatus = new long[600];
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _unexpected = new(StringComparer.Ordinal);
    private readonly long[] _acceptedPerSecond;
    private readonly long _startTimestamp;
    private readonly TimeProvider _time;
    private LatencyHistogram _window = new();
    private long _sent;
    private long _inFlight;
    private long _created;
    private long _late;
    private long _capped;

    public RunMetrics(TimeProvider time, TimeSpan expectedLength)
    {
        _time = time;
        _startTimestamp = time.GetTimestamp();
        _acceptedPerSecond = new long[(int)Math.Clamp(expectedLength.TotalSeconds + 3600, 60, 14 * 24 * 3600)];
    }

    /// <summary>Latency of submits answered 200 or 202 (from the due time in open loop, from the send in closed loop).</summary>
    public LatencyHistogram Accept { get; } = new();

    public long Sent => Interlocked.Read(ref _sent);

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Fresh notifications answered 202.</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>Sends that left more than 10 ms after their due time (the generator was starved of CPU or the cap was reached).</summary>
    public long Late => Interlocked.Read(ref _late);

    /// <summary>Open-loop sends that had to wait for a free slot: the in-flight cap (the generator's concurrency) was reached.</summary>
    public long Capped => Interlocked.Read(ref _capped);

    public void CapReached() => Interlocked.Increment(ref _capped);

    public long Answered(int status) => Interlocked.Read(ref _byStatus[status]);

    public long AnsweredBetween(int from, int to)
    {
        long sum = 0;
        for (var s = Math.Max(from, 0); s <= Math.Min(to, _byStatus.Length - 1); s++)
        {
            sum += Interlocked.Read(ref _byStatus[s]);
        }
        return sum;
    }

    public IReadOnlyDictionary<string, long> ByStatus =>
        Enumerable.Range(0, _byStatus.Length).Where(s => Interlocked.Read(ref _byStatus[s]) > 0)
            .ToDictionary(s => s == 0 ? "no answer" : s.ToString(System.Globalization.CultureInfo.InvariantCulture), s => Interlocked.Read(ref _byStatus[s]));

    /// <summary>Why answers did not come (timeout, connection-refused...).</summary>
    public IReadOnlyDictionary<string, long> Errors => _errors;

    /// <summary>Answers that differ from what the request was meant to get, e.g. "duplicate answered 202".</summary>
    public IReadOnlyDictionary<string, long> Unexpected => _unexpected;

    public long UnexpectedTotal => _unexpected.Values.Sum();

    public void Sending(TimeSpan lateBy)
    {
        Interlocked.Increment(ref _sent);
        Interlocked.Increment(ref _inFlight);
        if (lateBy > TimeSpan.FromMilliseconds(10))
        {
            Interlocked.Increment(ref _late);
        }
    }

    /// <summary>Records the answer to one request and the latency to count for it.</summary>
    public void Answered(PlannedRequest request, SubmitAnswer answer, TimeSpan latency, string? expectedId)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _byStatus[Math.Clamp(answer.Status, 0, _byStatus.Length - 1)]);
        if (answer.Error is { } error)
        {
            _errors.AddOrUpdate(error, 1, (_, n) => n + 1);
        }
        if (answer.Accepted)
        {
            Accept.Record(latency);
            Volatile.Read(ref _window).Record(latency);
            var second = (int)_time.GetElapsedTime(_startTimestamp).TotalSeconds;
            if (second < _acceptedPerSecond.Length)
            {
                Interlocked.Increment(ref _acceptedPerSecond[second]);
            }
        }
        if (request.Kind == RequestKind.New && answer.Status == 202)
        {
            Interlocked.Increment(ref _created);
        }
        var expected = request.Kind switch
        {
            RequestKind.New => 202,
            RequestKind.Duplicate => 200,
            _ => 400,
        };
        if (answer.Answered && answer.Status != expected && answer.Status < 500)
        {
            Unexpect($"{request.Kind.ToString().ToLowerInvariant()} answered {answer.Status}");
        }
        if (expectedId is not null && answer.NotificationId is { } id && id != expectedId)
        {
            Unexpect("answer named another notification id");
        }
    }

    public void Unexpect(string what) => _unexpected.AddOrUpdate(what, 1, (_, n) => n + 1);

    /// <summary>Takes the latencies recorded since the previous call (for the progress line).</summary>
    public LatencyHistogram TakeWindow() => Interlocked.Exchange(ref _window, new LatencyHistogram());

    /// <summary>Accepted answers per whole second since the start.</summary>
    public IReadOnlyList<long> AcceptedPerSecond(int seconds) =>
        _acceptedPerSecond.Take(Math.Min(seconds, _acceptedPerSecond.Length)).Select(n => n).ToList();
}
