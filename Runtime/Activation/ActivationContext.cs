using PaymentNotifications.Runtime.Reminders;
using PaymentNotifications.Runtime.Storage;

namespace PaymentNotifications.Runtime.Activation;

/// <summary>What an activated grain reaches the runtime through.</summary>
internal sealed class ActivationContext(GrainId grainId, ActivationData activation, IGrainFactory grainFactory, IGrainStorage storage, ReminderRegistry reminders)
{
    public GrainId GrainId { get; } = grainId;
    public ActivationData Activation { get; } = activation;
    public IGrainFactory GrainFactory { get; } = grainFactory;
    public IGrainStorage Storage { get; } = storage;
    public ReminderRegistry Reminders { get; } = reminders;

    /// <summary>The lease this activation was created under; its writes are fenced by it.</summary>
    public WriteFence Fence => Activation.Fence;
}
