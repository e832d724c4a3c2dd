using System.Collections.Concurrent;
using System.Reflection;

namespace PaymentNotifications.Runtime.Calls;

/// <summary>A grain exception as it crosses silos: its type's full name and its message.</summary>
public sealed record RemoteExceptionInfo(string Type, string Message);

/// <summary>
/// Turns grain exceptions into <see cref="RemoteExceptionInfo"/> and back. The caller gets the same
/// exception type when it can be rebuilt from a message alone: a public type deriving from
/// <see cref="Exception"/>, found in an assembly already loaded (nothing is loaded by name), with a
/// constructor taking the message. Anything else arrives as <see cref="GrainCallException"/>
/// naming the remote type.
/// </summary>
public static class GrainExceptionCodec
{
    private static readonly ConcurrentDictionary<string, Func<string, Exception>> Factories = new(StringComparer.Ordinal);

    public static RemoteExceptionInfo Describe(Exception exception) => exception switch
    {
        // Forward the original type, so a chain of silos still rebuilds what the grain threw.
        GrainCallException remote => new RemoteExceptionInfo(remote.RemoteType, remote.Message),
        _ => new RemoteExceptionInfo(exception.GetType().FullName ?? exception.GetType().Name, exception.Message),
    };

    public static Exception Rebuild(RemoteExceptionInfo info)
    {
        if (!Factories.TryGetValue(info.Type, out var factory))
        {
            // Not cached when missing: the assembly defining it may be loaded later.
            factory = FindFactory(info.Type);
            if (factory is not null)
            {
                Factories.TryAdd(info.Type, factory);
            }
        }
        if (factory is not null)
        {
            try
            {
                return factory(info.Message);
            }
            catch (Exception)
            {
                // A constructor that rejects the message: fall back to the generic form.
            }
        }
        return new GrainCallException(info.Type, info.Message);
    }

    private static Func<string, Exception>? FindFactory(string typeName)
    {
        var type = FindLoadedType(typeName);
        if (type is null || !typeof(Exception).IsAssignableFrom(type) || type.IsAbstract || type.ContainsGenericParameters || !type.IsVisible)
        {
            return null;
        }
        // (string message) first; ArgumentNullException and kin take a parameter name there, so the
        // parameter must be called "message". Then (string message, Exception inner) with no inner.
        foreach (var constructor in type.GetConstructors(BindingFlags.Public | BindingFlags.Instance))
        {
            var parameters = constructor.GetParameters();
            if (parameters.Length == 1 && parameters[0].ParameterType == typeof(string) && parameters[0].Name == "message")
            {
                return message => (Exception)constructor.Invoke([message]);
            }
        }
        foreach (var constructor in type.GetConstructors(BindingFlags.Public | BindingFlags.Instance))
        {
            var parameters = constructor.GetParameters();
            if (parameters.Length == 2 && parameters[0].ParameterType == typeof(string) && parameters[0].Name == "message"
                && parameters[1].ParameterType == typeof(Exception))
            {
                return message => (Exception)constructor.Invoke([message, null]);
            }
        }
        return null;
    }

    private static Type? FindLoadedType(string fullName)
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.IsDynamic)
            {
                continue;
            }
            var type = assembly.GetType(fullName, throwOnError: false, ignoreCase: false);
            if (type is not null)
            {
                return type;
            }
        }
        return null;
    }
}
