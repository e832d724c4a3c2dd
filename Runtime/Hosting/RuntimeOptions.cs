namespace PaymentNotifications.Runtime.Hosting;

/// <summary>What a process is in the cluster.</summary>
public enum ClusterRole
{
    /// <summary>Joins membership, takes partitions, hosts activations and serves the internal endpoint.</summary>
    Silo,

    /// <summary>Joins nothing and takes no partitions: reads membership and leases only to route its calls to the owners.</summary>
    Client,
}

/// <summary>Identity and shape of the silo and cluster; bound from the "Cluster" configuration section.</summary>
public sealed class ClusterOptions
{
    /// <summary>This silo's id; a fresh one per process when empty.</summary>
    public string SiloId { get; set; } = "";

    /// <summary>Silo (default) or Client: a client routes calls into the cluster but owns nothing.</summary>
    public ClusterRole Role { get; set; } = ClusterRole.Silo;

    /// <summary>The base URL other silos use to reach this silo's internal endpoint; derived from the listener when empty.</summary>
    public string InternalUrl { get; set; } = "";

    /// <summary>
    /// The shared secret silo-to-silo calls present; when empty, one is generated per cluster and kept in
    /// PostgreSQL (memory mode: per process). Every silo and client of a cluster must agree on it.
    /// </summary>
    public string Secret { get; set; } = "";

    /// <summary>Registers the runtime's diagnostic grains (a counter used by cluster checks and tests). Default false.</summary>
    public bool DiagnosticGrains { get; set; }

    /// <summary>How long connecting to another silo may take before it is taken as unreachable. Default 2 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Number of partitions grain keys hash to. Fixed for the life of a cluster. Default 256.</summary>
    public int PartitionCount { get; set; } = 256;

    /// <summary>How long a partition lease lasts without renewal. Default 6 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How often leases are renewed, the membership heartbeat written and ownership rebalanced. Default 1 s.</summary>
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A silo stops serving a partition this long before its lease would expire by its own clock. Default 1.5 s.</summary>
    public TimeSpan LeaseSafetyMargin { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>A silo whose heartbeat is older than this is taken as dead. Default 5 s.</summary>
    public TimeSpan SiloDeathTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a grain call may wait for an owner and an answer. Default 30 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Rows of silos unheard of for this long are removed from the membership table. Default 24 h.</summary>
    public TimeSpan DefunctSiloRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Partitions a silo hands over per rebalance round when another silo should own them. Default 64.</summary>
    public int MaxHandoversPerRound { get; set; } = 64;

    internal void Validate()
    {
        if (PartitionCount is < 1 or > 65536)
        {
            throw new InvalidOperationException("Cluster:PartitionCount must be between 1 and 65536.");
        }
        if (LeaseRenewInterval <= TimeSpan.Zero || LeaseDuration < LeaseRenewInterval * 2)
        {
            throw new InvalidOperationException("Cluster:LeaseDuration must be at least twice Cluster:LeaseRenewInterval.");
        }
        if (LeaseSafetyMargin < TimeSpan.Zero || LeaseSafetyMargin >= LeaseDuration - LeaseRenewInterval)
        {
            throw new InvalidOperationException("Cluster:LeaseSafetyMargin must be below LeaseDuration minus LeaseRenewInterval.");
        }
        if (CallTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Cluster:CallTimeout must be positive.");
        }
        if (SiloDeathTimeout <= LeaseRenewInterval)
        {
            throw new InvalidOperationException("Cluster:SiloDeathTimeout must be longer than Cluster:LeaseRenewInterval.");
        }
        if (DefunctSiloRetention <= SiloDeathTimeout)
        {
            throw new InvalidOperationException("Cluster:DefunctSiloRetention must be longer than Cluster:SiloDeathTimeout.");
        }
        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Cluster:ConnectTimeout must be positive.");
        }
        if (!Enum.IsDefined(Role))
        {
            throw new InvalidOperationException("Cluster:Role must be Silo or Client.");
        }
    }
}

/// <summary>When idle activations are dropped; bound from "Grains:Collection".</summary>
public sealed class GrainCollectionOptions
{
    /// <summary>An activation unused for this long is deactivated. Default 15 min.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for. Default 1 min.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>How durable reminders are polled and fired; bound from "Reminders".</summary>
public sealed class ReminderOptions
{
    /// <summary>How often the reminder table is polled for due ticks of owned partitions. Default 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The shortest allowed reminder period. Default 1 s.</summary>
    public TimeSpan MinimumPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most due reminders read per poll. Default 2000.</summary>
    public int BatchSize { get; set; } = 2000;

    /// <summary>Most reminder ticks in flight at once on a silo. Default 256.</summary>
    public int MaxConcurrentTicks { get; set; } = 256;

    /// <summary>Delay before a tick whose grain call failed is tried again. Default 5 s.</summary>
    public TimeSpan FailedTickRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}
