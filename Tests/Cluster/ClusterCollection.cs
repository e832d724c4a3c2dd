namespace PaymentNotifications.Tests.Cluster;

/// <summary>
/// Cluster tests run one at a time and apart from other test classes: they start several silos each
/// and measure takeover and handover times, which would mean little on a machine shared with other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "Cluster";
}
