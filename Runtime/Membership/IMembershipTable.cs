namespace PaymentNotifications.Runtime.Membership;

/// <summary>What a silo says of itself in the membership table.</summary>
public enum SiloStatus
{
    Active,
    ShuttingDown,
    Stopped,
}

/// <summary>A silo row as read, with the age of its last heartbeat measured by the table's own clock.</summary>
public sealed record SiloRecord(string SiloId, string Address, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, SiloStatus Status, TimeSpan HeartbeatAge)
{
    /// <summary>Alive: active and heard from within the death timeout.</summary>
    public bool IsAlive(TimeSpan deathTimeout) => Status == SiloStatus.Active && HeartbeatAge <= deathTimeout;
}

/// <summary>Cluster membership: silos register, heartbeat and say when they leave.</summary>
public interface IMembershipTable
{
    Task RegisterAsync(string siloId, string address, DateTimeOffset startedAt, CancellationToken cancellationToken);

    Task HeartbeatAsync(string siloId, CancellationToken cancellationToken);

    Task SetStatusAsync(string siloId, SiloStatus status, CancellationToken cancellationToken);

    Task<IReadOnlyList<SiloRecord>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Removes the rows of silos whose last heartbeat is older than <paramref name="silentFor"/>; returns how many.</summary>
    Task<int> RemoveDefunctAsync(TimeSpan silentFor, CancellationToken cancellationToken);
}
