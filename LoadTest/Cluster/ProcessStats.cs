using System.Globalization;

namespace PaymentNotifications.LoadTest.Cluster;

/// <summary>Resident memory and CPU time of processes, read from Linux's /proc; null where /proc does not say.</summary>
public static class ProcessStats
{
    private static readonly double ClockTicksPerSecond = 100;

    /// <summary>Resident set size in bytes (VmRSS of /proc/{pid}/status).</summary>
    public static long? RssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return ParseKilobytes(line["VmRSS:".Length..]) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>User plus system CPU time a process has used so far (utime + stime of /proc/{pid}/stat).</summary>
    public static TimeSpan? CpuTime(int pid)
    {
        try
        {
            return ParseCpuTime(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The ids of running processes whose command name (/proc/{pid}/comm) is <paramref name="name"/>, e.g. postgres.</summary>
    public static IReadOnlyList<int> FindByName(string name)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == name)
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    /// <summary>CPU time of all processes with a command name, summed (a PostgreSQL server is many processes).</summary>
    public static TimeSpan CpuTimeOfAll(string name) =>
        FindByName(name).Aggregate(TimeSpan.Zero, (sum, pid) => sum + (CpuTime(pid) ?? TimeSpan.Zero));

    /// <summary>CPU time of a process and its direct children (a PostgreSQL server: the postmaster and its backends).</summary>
    public static TimeSpan CpuTimeOfTree(int pid)
    {
        var total = CpuTime(pid) ?? TimeSpan.Zero;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child) || child == pid)
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
                {
                    total += ParseCpuTime(stat);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return total;
    }

    /// <summary>CPU time the whole machine has been busy (all cores, everything but idle and iowait) from /proc/stat.</summary>
    public static TimeSpan? MachineBusyTime()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal ...
            var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields.Length > 7 ? fields[7] : 0);
            return TimeSpan.FromSeconds(busy / ClockTicksPerSecond);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The one-minute load average from /proc/loadavg.</summary>
    public static double? LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    internal static TimeSpan ParseCpuTime(string stat)
    {
        // The command name in parentheses may hold spaces: fields are counted after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var user = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var system = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((user + system) / ClockTicksPerSecond);
    }

    internal static long ParseKilobytes(string text) =>
        long.Parse(text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
}
