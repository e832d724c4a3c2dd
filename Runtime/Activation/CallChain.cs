namespace PaymentNotifications.Runtime.Activation;

/// <summary>
/// The grains on the current call path. A call into a grain already on the path runs without
/// waiting for its turn (call-chain reentrancy), so A -> B -> A does not deadlock.
/// </summary>
public sealed class CallChain
{
    private static readonly AsyncLocal<CallChain?> Current = new();

    private CallChain(GrainId grainId, CallChain? parent)
    {
        GrainId = grainId;
        Parent = parent;
    }

    public GrainId GrainId { get; }
    public CallChain? Parent { get; }

    /// <summary>The chain of the running turn, or null outside grain code.</summary>
    public static CallChain? Active => Current.Value;

    public static bool Contains(GrainId grainId)
    {
        for (var link = Current.Value; link is not null; link = link.Parent)
        {
            if (link.GrainId == grainId)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The chain as grain ids, outermost first, for calls that cross silos.</summary>
    public static IReadOnlyList<string> Snapshot()
    {
        var ids = new List<string>();
        for (var link = Current.Value; link is not null; link = link.Parent)
        {
            ids.Add(link.GrainId.ToString());
        }
        ids.Reverse();
        return ids;
    }

    /// <summary>Makes the given chain (from another silo) the current one.</summary>
    public static void Restore(IEnumerable<string> ids)
    {
        CallChain? chain = null;
        foreach (var id in ids)
        {
            chain = new CallChain(GrainId.Parse(id), chain);
        }
        Current.Value = chain;
    }

    /// <summary>Adds a grain to the current chain for the rest of this async flow.</summary>
    internal static void Enter(GrainId grainId) => Current.Value = new CallChain(grainId, Current.Value);

    /// <summary>Clears the chain, so work started from here (timers, reminders) does not inherit it.</summary>
    internal static void Clear() => Current.Value = null;
}
