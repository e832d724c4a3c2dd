using System.Globalization;

namespace PaymentNotifications.Runtime.Membership;

/// <summary>
/// Which live silo should own each partition: rendezvous hashing with bounded load. Each partition,
/// in order, goes to the highest-scoring silo that still has room, where room allows only
/// <c>count mod silos</c> silos one partition above <c>count / silos</c>. So every silo owns
/// floor(count/silos) or ceil(count/silos) partitions, every silo that sees the same live set
/// computes the same answer, and a join or leave moves few partitions.
/// </summary>
public static class PartitionAssignment
{
    /// <summary>The desired owner of partitions 0..<paramref name="partitionCount"/>-1 among <paramref name="liveSilos"/>.</summary>
    public static string[] Compute(int partitionCount, IEnumerable<string> liveSilos)
    {
        var silos = liveSilos.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (silos.Length == 0)
        {
            throw new ArgumentException("At least one live silo is needed.", nameof(liveSilos));
        }
        var floor = partitionCount / silos.Length;
        var silosAboveFloor = partitionCount % silos.Length;
        var load = new int[silos.Length];
        var aboveFloor = 0;
        var owners = new string[partitionCount];
        var order = new int[silos.Length];
        var scores = new uint[silos.Length];
        for (var partition = 0; partition < partitionCount; partition++)
        {
            var key = partition.ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < silos.Length; i++)
            {
                order[i] = i;
                scores[i] = PartitionMap.StableHash(silos[i], key);
            }
            // Highest score first; equal scores by silo id, so the order is total.
            Array.Sort(order, (a, b) => scores[a] != scores[b] ? scores[b].CompareTo(scores[a]) : a.CompareTo(b));
            foreach (var candidate in order)
            {
                if (load[candidate] < floor || (load[candidate] == floor && aboveFloor < silosAboveFloor))
                {
                    if (load[candidate] == floor)
                    {
                        aboveFloor++;
                    }
                    load[candidate]++;
                    owners[partition] = silos[candidate];
                    break;
                }
            }
        }
        return owners;
    }
}
