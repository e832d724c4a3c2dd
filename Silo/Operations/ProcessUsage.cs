namespace PaymentNotifications.Silo.Operations;

/// <summary>This process's CPU share (of the cores it may use) and memory, for the cluster view.</summary>
public sealed class ProcessUsage(TimeProvider time)
{
    private static readonly TimeSpan MinimumSpan = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private long _lastAt = time.GetTimestamp();
    private TimeSpan _lastCpu = Environment.CpuUsage.TotalTime;
    private double? _percent;

    /// <summary>CPU used between the last two readings at least a second apart, as a percentage of all usable cores.</summary>
    public double? CpuPercent()
    {
        lock (_gate)
        {
            var elapsed = time.GetElapsedTime(_lastAt);
            if (elapsed >= MinimumSpan)
            {
                var cpu = Environment.CpuUsage.TotalTime;
                _percent = Math.Round(Math.Clamp((cpu - _lastCpu) / elapsed / Environment.ProcessorCount * 100, 0, 100), 1);
                _lastCpu = cpu;
                _lastAt = time.GetTimestamp();
            }
            return _percent;
        }
    }

    public static long WorkingSetBytes => Environment.WorkingSet;

    public static long GcHeapBytes => GC.GetGCMemoryInfo().HeapSizeBytes;
}
