using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Reminders;
using PaymentNotifications.Runtime.Storage;

namespace PaymentNotifications.Runtime;

/// <summary>Why an activation is going away.</summary>
public enum DeactivationReason
{
    Idle,
    Requested,
    PartitionHandedOver,
    ShuttingDown,
}

/// <summary>
/// Base class of grain implementations. One activation per grain id exists in the cluster; its
/// methods run one turn at a time unless marked <see cref="AlwaysInterleaveAttribute"/>.
/// </summary>
public abstract class Grain
{
    private ActivationContext? _context;

    internal ActivationContext Context
    {
        get => _context ?? throw new InvalidOperationException("The grain is not activated; grains are created by the runtime, not with new.");
        set => _context = value;
    }

    /// <summary>This grain's identity.</summary>
    public GrainId GrainId => Context.GrainId;

    public string GetPrimaryKeyString() => Context.GrainId.Key;

    public Guid GetPrimaryKey() => Guid.ParseExact(Context.GrainId.Key, "N");

    /// <summary>References to other grains.</summary>
    protected IGrainFactory GrainFactory => Context.GrainFactory;

    /// <summary>Called in the first turn, after state is loaded.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called in the last turn, before the activation is dropped (not called when it is dropped for stale state).</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Asks the runtime to deactivate this activation after the current turn.</summary>
    protected void DeactivateOnIdle() => Context.Activation.RequestDeactivation();

    /// <summary>An in-memory timer whose ticks are turns of this activation; it ends with the activation.</summary>
    protected IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        Context.Activation.RegisterTimer(callback, dueTime, period);

    /// <summary>Creates or moves a durable periodic reminder; ticks arrive through <see cref="IRemindable.ReceiveReminder"/>.</summary>
    protected Task<ReminderEntry> RegisterOrUpdateReminder(string name, TimeSpan dueTime, TimeSpan period) =>
        Context.Reminders.RegisterAsync(Context, name, dueTime, period);

    /// <summary>Creates or moves a durable reminder that fires once and is then removed.</summary>
    protected Task<ReminderEntry> RegisterOneShotReminder(string name, TimeSpan dueTime) =>
        Context.Reminders.RegisterAsync(Context, name, dueTime, period: null);

    protected Task UnregisterReminder(string name) => Context.Reminders.UnregisterAsync(Context, name);

    protected Task<ReminderEntry?> GetReminder(string name) => Context.Reminders.GetAsync(Context, name);

    internal virtual Task LoadStateAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A grain with one durable state object, loaded before activation and written explicitly.</summary>
public abstract class Grain<TState> : Grain where TState : new()
{
    private readonly GrainState<TState> _state = new(new TState());

    protected TState State
    {
        get => _state.State;
        set => _state.State = value;
    }

    /// <summary>Whether the state has ever been written.</summary>
    protected bool StateExists => _state.RecordExists;

    protected Task ReadStateAsync() => Context.Storage.ReadStateAsync(GrainId, _state, CancellationToken.None);

    /// <summary>Writes the state; throws <see cref="InconsistentStateException"/> when another activation wrote since.</summary>
    protected async Task WriteStateAsync()
    {
        try
        {
            await Context.Storage.WriteStateAsync(GrainId, _state, Context.Fence, CancellationToken.None);
        }
        catch (Exception e) when (e is InconsistentStateException or PartitionLeaseLostException)
        {
            Context.Activation.MarkStale();
            throw;
        }
    }

    protected async Task ClearStateAsync()
    {
        try
        {
            await Context.Storage.ClearStateAsync(GrainId, _state, Context.Fence, CancellationToken.None);
        }
        catch (Exception e) when (e is InconsistentStateException or PartitionLeaseLostException)
        {
            Context.Activation.MarkStale();
            throw;
        }
        _state.State = new TState();
    }

    internal override Task LoadStateAsync(CancellationToken cancellationToken) => Context.Storage.ReadStateAsync(GrainId, _state, cancellationToken);
}
