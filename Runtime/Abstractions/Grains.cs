namespace PaymentNotifications.Runtime;

/// <summary>Marker for grain interfaces: every method returns <see cref="Task"/> or <see cref="Task{T}"/>.</summary>
public interface IGrain;

/// <summary>A grain whose identity is a string.</summary>
public interface IGrainWithStringKey : IGrain;

/// <summary>A grain whose identity is a GUID.</summary>
public interface IGrainWithGuidKey : IGrain;

/// <summary>A grain that receives durable reminder ticks.</summary>
public interface IRemindable : IGrain
{
    /// <summary>Called once per due tick; a tick missed while no silo ran is delivered once on recovery.</summary>
    Task ReceiveReminder(string reminderName, TickStatus status);
}

/// <summary>What a reminder tick knows about its schedule.</summary>
public readonly record struct TickStatus(DateTimeOffset DueAt, TimeSpan? Period, DateTimeOffset CurrentTickTime);

/// <summary>A grain method that may run while another turn of the same activation is awaiting (no turn lock).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>A grain class whose turns may interleave at every await.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ReentrantAttribute : Attribute;

/// <summary>Names a grain interface's type in grain ids and storage (defaults to the interface name without the leading I).</summary>
[AttributeUsage(AttributeTargets.Interface)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
