using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace PaymentNotifications.Tests.Runtime.Cluster;

/// <summary>
/// Grain-call latency in a two-silo cluster: calls served by the calling silo against calls that cross to the
/// other silo's internal endpoint, over the shared HTTP/1.1 listener and over an HTTP/2-only one. Prints
/// p50/p99; <c>scripts/bench-calls.sh</c> runs it with more calls (BENCH_CALLS).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CallLatencyBenchmark(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Http1AndHttp2")]
    [InlineData("Http2")]
    public async Task Cross_silo_and_in_silo_call_latency(string listenerProtocols)
    {
        var calls = int.TryParse(Environment.GetEnvironmentVariable("BENCH_CALLS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1000;
        await using var cluster = await TestClusters.StartAsync(new ClusterProbe(), silos: 2,
            new Dictionary<string, string?> { ["Kestrel:EndpointDefaults:Protocols"] = listenerProtocols });
        await cluster.WaitForBalancedOwnershipAsync(TimeSpan.FromSeconds(20));
        var (caller, other) = (cluster.Silos[0], cluster.Silos[1]);
        var local = caller.GrainFactory.GetGrain<IClusterPingGrain>(TestClusters.KeyOwnedBy<IClusterPingGrain>(caller, "local"));
        var remote = caller.GrainFactory.GetGrain<IClusterPingGrain>(TestClusters.KeyOwnedBy<IClusterPingGrain>(other, "remote"));

        var localBefore = caller.Router.LocalCalls;
        var inSilo = await MeasureAsync(local, calls);
        var servedHere = caller.Router.LocalCalls - localBefore;
        var remoteBefore = caller.Router.RemoteCalls;
        var crossSilo = await MeasureAsync(remote, calls);
        var sentAcross = caller.Router.RemoteCalls - remoteBefore;
        var (throughput, parallelP99) = await MeasureParallelAsync(
            Enumerable.Range(0, 128).Select(i => caller.GrainFactory.GetGrain<IClusterPingGrain>($"spread-{i}")).ToList(), calls * 4, concurrency: 32);

        var protocol = listenerProtocols == "Http2" ? "HTTP/2 (h2c, HTTP/2-only listener)" : "HTTP/1.1 keep-alive (shared listener)";
        output.WriteLine($"grain-call latency, {calls} sequential calls each, silo-to-silo over {protocol}:");
        output.WriteLine($"  in-silo    p50 {inSilo.P50,8:F3} ms   p99 {inSilo.P99,8:F3} ms   mean {inSilo.Mean,8:F3} ms");
        output.WriteLine($"  cross-silo p50 {crossSilo.P50,8:F3} ms   p99 {crossSilo.P99,8:F3} ms   mean {crossSilo.Mean,8:F3} ms");
        output.WriteLine($"  {calls * 4} calls from 32 concurrent callers to grains on both silos: {throughput:F0} calls/s, p99 {parallelP99:F3} ms");

        // Counted: the in-silo calls ran here (warm-up included), the cross-silo ones were sent to the other silo.
        Assert.True(servedHere >= calls, $"{servedHere} calls ran on the calling silo");
        Assert.True(sentAcross >= calls, $"{sentAcross} calls crossed to the other silo");
    }

    private static async Task<(double P50, double P99, double Mean)> MeasureAsync(IClusterPingGrain grain, int calls)
    {
        for (var i = 0; i < Math.Min(200, calls); i++)
        {
            Assert.Equal(i, await grain.Echo(i));
        }
        var samples = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var answer = await grain.Echo(i);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Assert.Equal(i, answer);
        }
        Array.Sort(samples);
        return (Percentile(samples, 0.50), Percentile(samples, 0.99), samples.Average());
    }

    private static async Task<(double CallsPerSecond, double P99)> MeasureParallelAsync(IReadOnlyList<IClusterPingGrain> grains, int calls, int concurrency)
    {
        var samples = new double[calls];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                var started = Stopwatch.GetTimestamp();
                Assert.Equal(i, await grains[i % grains.Count].Echo(i));
                samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        var elapsed = clock.Elapsed;
        Array.Sort(samples);
        return (calls / elapsed.TotalSeconds, Percentile(samples, 0.99));
    }

    private static double Percentile(double[] sorted, double quantile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
}
