using System.Text;
using Microsoft.Extensions.Options;
using PaymentNotifications.Runtime.Hosting;

namespace PaymentNotifications.Runtime;

/// <summary>Maps grain ids to the fixed set of partitions that silos lease.</summary>
public sealed class PartitionMap(IOptions<ClusterOptions> options)
{
    public int Count { get; } = options.Value.PartitionCount;

    public int GetPartition(GrainId grainId) => (int)(StableHash(grainId.Type, grainId.Key) % (uint)Count);

    // FNV-1a over UTF-8: a hash that is the same in every process and .NET version (string.GetHashCode is not).
    // Hand-written because no hashing package restores here and the BCL has no non-cryptographic stable hash.
    internal static uint StableHash(string type, string key)
    {
        var hash = 2166136261u;
        foreach (var part in (ReadOnlySpan<string>)[type, "/", key])
        {
            foreach (var b in Encoding.UTF8.GetBytes(part))
            {
                hash = (hash ^ b) * 16777619u;
            }
        }
        return hash;
    }
}
