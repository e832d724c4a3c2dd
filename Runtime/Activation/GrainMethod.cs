using System.Collections.Concurrent;
using System.Reflection;

namespace PaymentNotifications.Runtime.Activation;

/// <summary>A grain interface method as the runtime calls it: how to invoke it and how to unwrap its result.</summary>
public sealed class GrainMethod
{
    private static readonly ConcurrentDictionary<MethodInfo, GrainMethod> Cache = new();

    private readonly Func<Task, object?> _getResult;
    private readonly Func<Task<object?>, object> _toTypedTask;

    private GrainMethod(MethodInfo method)
    {
        Method = method;
        Interface = method.DeclaringType!;
        Name = $"{Interface.FullName}.{method.Name}";
        ParameterTypes = method.GetParameters().Select(p => p.ParameterType).ToArray();
        AlwaysInterleave = method.IsDefined(typeof(AlwaysInterleaveAttribute), inherit: false);
        if (method.ReturnType == typeof(Task))
        {
            ResultType = null;
            _getResult = static _ => null;
            _toTypedTask = static t => t;
        }
        else if (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            ResultType = method.ReturnType.GetGenericArguments()[0];
            _getResult = (Func<Task, object?>)typeof(GrainMethod).GetMethod(nameof(GetResult), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(ResultType).CreateDelegate(typeof(Func<Task, object?>));
            _toTypedTask = (Func<Task<object?>, object>)typeof(GrainMethod).GetMethod(nameof(ToTypedTask), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(ResultType).CreateDelegate(typeof(Func<Task<object?>, object>));
        }
        else
        {
            throw new InvalidOperationException($"Grain method {Name} must return Task or Task<T>.");
        }
    }

    public MethodInfo Method { get; }
    public Type Interface { get; }

    /// <summary>"Namespace.IInterface.Method": grain interfaces have no overloads, so this names the method on the wire.</summary>
    public string Name { get; }

    public Type[] ParameterTypes { get; }

    /// <summary>The T of Task&lt;T&gt;, or null for Task.</summary>
    public Type? ResultType { get; }

    public bool AlwaysInterleave { get; }

    public static GrainMethod For(MethodInfo method) => Cache.GetOrAdd(method, static m => new GrainMethod(m));

    /// <summary>Runs the method on the grain instance and returns its result boxed.</summary>
    public async Task<object?> InvokeAsync(object grain, object?[] arguments)
    {
        Task task;
        try
        {
            task = (Task)Method.Invoke(grain, arguments)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
        await task;
        return _getResult(task);
    }

    /// <summary>Turns the router's boxed result into the Task or Task&lt;T&gt; the interface method returns.</summary>
    public object ToReturnTask(Task<object?> call) => _toTypedTask(call);

    private static object? GetResult<T>(Task task) => ((Task<T>)task).Result;

    private static object ToTypedTask<T>(Task<object?> call) => Unbox<T>(call);

    private static async Task<T> Unbox<T>(Task<object?> call) => (T)(await call)!;
}
