using Microsoft.Extensions.Logging;
using PaymentNotifications.Runtime.Storage;

namespace PaymentNotifications.Runtime.Activation;

/// <summary>
/// One activation of a grain: its instance, its turn lock and its lifecycle. Calls run one turn at
/// a time; a call that finds the activation gone is retried by the catalog on a fresh activation.
/// </summary>
internal sealed class ActivationData
{
    // Born holding its turn: calls that find it before the activation turn has run wait for it.
    private readonly SemaphoreSlim _turn = new(0, 1);
    private readonly TaskCompletionSource _activated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Catalog _catalog;
    private readonly TimeProvider _time;
    private readonly List<ActivationTimer> _timers = [];
    private readonly bool _reentrant;
    private Grain? _grain;
    private long _lastUsed;
    private volatile ActivationStatus _status = ActivationStatus.Activating;
    private bool _deactivationRequested;
    private volatile bool _stale;

    public ActivationData(GrainId grainId, WriteFence fence, Type implementation, Catalog catalog, TimeProvider time)
    {
        GrainId = grainId;
        Fence = fence;
        ImplementationType = implementation;
        _catalog = catalog;
        _time = time;
        _reentrant = implementation.IsDefined(typeof(ReentrantAttribute), inherit: true);
        _lastUsed = time.GetTimestamp();
    }

    public GrainId GrainId { get; }
    public WriteFence Fence { get; }
    public Type ImplementationType { get; }
    public ActivationStatus Status => _status;

    /// <summary>Completes when the first turn (state load and OnActivateAsync) has run; faults when it failed.</summary>
    public Task Activated => _activated.Task;

    public TimeSpan IdleFor => _time.GetElapsedTime(_lastUsed);

    /// <summary>Runs the activation turn. Called once, by the catalog, right after creation.</summary>
    public void StartActivation(Grain grain)
    {
        _grain = grain;
        _ = ActivateAsync();
    }

    /// <summary>Ends an activation whose grain could not even be created.</summary>
    public void FailActivation(Exception error)
    {
        _status = ActivationStatus.Gone;
        _activated.TrySetException(error);
        _turn.Release();
    }

    private async Task ActivateAsync()
    {
        try
        {
            CallChain.Clear();
            CallChain.Enter(GrainId);
            await _grain!.LoadStateAsync(CancellationToken.None);
            await _grain.OnActivateAsync(CancellationToken.None);
            _status = ActivationStatus.Valid;
            _activated.TrySetResult();
        }
        catch (Exception e)
        {
            _status = ActivationStatus.Gone;
            _catalog.Remove(this);
            _activated.TrySetException(e);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Runs a grain method as a turn (or interleaved, when the method or chain allows).</summary>
    public async Task<object?> InvokeAsync(GrainMethod method, object?[] arguments)
    {
        await Activated;
        var takesTurn = !(_reentrant || method.AlwaysInterleave || CallChain.Contains(GrainId));
        if (takesTurn)
        {
            await _turn.WaitAsync();
        }
        try
        {
            EnsureServing();
            CallChain.Enter(GrainId);
            return await method.InvokeAsync(_grain!, arguments);
        }
        catch (Exception e) when (e is InconsistentStateException or PartitionLeaseLostException)
        {
            // Stale state or a lost lease: this activation must not serve again.
            Drop();
            throw;
        }
        finally
        {
            _lastUsed = _time.GetTimestamp();
            if (_stale)
            {
                Drop();
            }
            if (takesTurn)
            {
                _turn.Release();
            }
            if (_deactivationRequested && _status == ActivationStatus.Valid)
            {
                _ = _catalog.DeactivateAsync(this, DeactivationReason.Requested);
            }
        }
    }

    /// <summary>Runs a callback (timer tick) as a turn; skipped when the activation is gone.</summary>
    public async Task RunTurnAsync(Func<CancellationToken, Task> callback)
    {
        await Activated;
        await _turn.WaitAsync();
        try
        {
            if (_status != ActivationStatus.Valid)
            {
                return;
            }
            CallChain.Clear();
            CallChain.Enter(GrainId);
            await callback(CancellationToken.None);
        }
        catch (Exception e) when (e is InconsistentStateException or PartitionLeaseLostException)
        {
            Drop();
        }
        catch (Exception e)
        {
            _catalog.Logger.LogError(e, "Timer turn of {GrainId} failed", GrainId);
        }
        finally
        {
            if (_stale)
            {
                Drop();
            }
            _turn.Release();
            if (_deactivationRequested && _status == ActivationStatus.Valid)
            {
                _ = _catalog.DeactivateAsync(this, DeactivationReason.Requested);
            }
        }
    }

    /// <summary>The last turn: OnDeactivateAsync, then the activation is gone.</summary>
    public async Task DeactivateAsync(DeactivationReason reason)
    {
        await _turn.WaitAsync();
        try
        {
            if (_status != ActivationStatus.Valid)
            {
                return;
            }
            _status = ActivationStatus.Deactivating;
            StopTimers();
            try
            {
                CallChain.Clear();
                await _grain!.OnDeactivateAsync(reason, CancellationToken.None);
            }
            catch (Exception e)
            {
                _catalog.Logger.LogWarning(e, "OnDeactivateAsync of {GrainId} failed", GrainId);
            }
            _status = ActivationStatus.Gone;
            _catalog.Remove(this);
        }
        finally
        {
            _turn.Release();
        }
    }

    public void RequestDeactivation() => _deactivationRequested = true;

    /// <summary>A state write of this activation was refused (stale version or lost lease): it is dropped after the turn, even if the grain caught the error.</summary>
    public void MarkStale() => _stale = true;

    public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ActivationTimer(this, callback, dueTime, period, _time);
        lock (_timers)
        {
            _timers.Add(timer);
        }
        return timer;
    }

    internal void RemoveTimer(ActivationTimer timer)
    {
        lock (_timers)
        {
            _timers.Remove(timer);
        }
    }

    /// <summary>Ends the activation at once, without OnDeactivateAsync: its state can no longer be trusted.</summary>
    public void Drop()
    {
        _status = ActivationStatus.Gone;
        StopTimers();
        _catalog.Remove(this);
    }

    private void EnsureServing()
    {
        if (_status != ActivationStatus.Valid)
        {
            throw new ActivationGoneException();
        }
        _catalog.EnsureLeaseValid(this);
    }

    private void StopTimers()
    {
        ActivationTimer[] timers;
        lock (_timers)
        {
            timers = [.. _timers];
            _timers.Clear();
        }
        foreach (var timer in timers)
        {
            timer.Stop();
        }
    }
}

internal enum ActivationStatus
{
    Activating,
    Valid,
    Deactivating,
    Gone,
}

/// <summary>Signals that a call reached an activation after it ended; the catalog retries on a new one.</summary>
internal sealed class ActivationGoneException() : Exception("The activation is gone.");

/// <summary>An in-memory grain timer; each tick is a turn of its activation, and ticks never overlap.</summary>
internal sealed class ActivationTimer : IDisposable
{
    private readonly ActivationData _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly TimeSpan _period;
    private readonly ITimer _timer;
    private int _stopped;

    public ActivationTimer(ActivationData activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, TimeProvider time)
    {
        _activation = activation;
        _callback = callback;
        _period = period;
        // The timer's callbacks must not inherit the registering turn's call chain.
        using (ExecutionContext.SuppressFlow())
        {
            _timer = time.CreateTimer(_ => _ = TickAsync(), null, dueTime, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task TickAsync()
    {
        if (Volatile.Read(ref _stopped) == 1)
        {
            return;
        }
        await _activation.RunTurnAsync(_callback);
        if (Volatile.Read(ref _stopped) == 0 && _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan)
        {
            _timer.Change(_period, Timeout.InfiniteTimeSpan);
        }
    }

    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _timer.Dispose();
        }
    }

    public void Dispose()
    {
        Stop();
        _activation.RemoveTimer(this);
    }
}
