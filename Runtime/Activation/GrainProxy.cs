using System.Reflection;

namespace PaymentNotifications.Runtime.Activation;

/// <summary>The object behind a grain reference: every interface call becomes a routed grain call.</summary>
public class GrainProxy : DispatchProxy
{
    internal GrainId GrainId { get; private set; }
    private IGrainCallInvoker _invoker = null!;

    internal static T Create<T>(GrainId grainId, IGrainCallInvoker invoker)
    {
        var proxy = (GrainProxy)(object)DispatchProxy.Create(typeof(T), typeof(GrainProxy));
        proxy.GrainId = grainId;
        proxy._invoker = invoker;
        return (T)(object)proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var method = GrainMethod.For(targetMethod!);
        return method.ToReturnTask(_invoker.InvokeAsync(GrainId, method, args ?? []));
    }
}

/// <summary>Routes a grain call to the activation that owns the grain, wherever it is.</summary>
public interface IGrainCallInvoker
{
    Task<object?> InvokeAsync(GrainId grainId, GrainMethod method, object?[] arguments);
}

/// <summary>Grain references: <see cref="IGrainFactory"/> over the call router.</summary>
public sealed class GrainFactory(GrainTypeRegistry registry, IGrainCallInvoker invoker) : IGrainFactory
{
    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return GrainProxy.Create<TGrainInterface>(new GrainId(registry.TypeNameFor(typeof(TGrainInterface)), key), invoker);
    }

    public TGrainInterface GetGrain<TGrainInterface>(Guid key) where TGrainInterface : IGrainWithGuidKey =>
        GrainProxy.Create<TGrainInterface>(new GrainId(registry.TypeNameFor(typeof(TGrainInterface)), key.ToString("N")), invoker);
}

/// <summary>Reads the identity behind a grain reference.</summary>
public static class GrainReferenceExtensions
{
    public static GrainId GetGrainId(this IGrain grain) =>
        grain is GrainProxy proxy ? proxy.GrainId : throw new ArgumentException("Not a grain reference.", nameof(grain));
}
