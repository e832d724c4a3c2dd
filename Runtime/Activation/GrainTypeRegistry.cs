using System.Reflection;

namespace PaymentNotifications.Runtime.Activation;

/// <summary>A registered grain: its interface, implementation, type name and storage.</summary>
public sealed record GrainRegistration(Type Interface, Type Implementation, string TypeName, string? StorageName);

/// <summary>The grain types this process knows: interface to implementation, and type name to interface.</summary>
public sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, GrainRegistration> _byInterface = [];
    private readonly Dictionary<string, GrainRegistration> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GrainMethod> _methods = new(StringComparer.Ordinal);

    public GrainTypeRegistry(IEnumerable<GrainRegistration> registrations)
    {
        foreach (var registration in registrations)
        {
            _byInterface.Add(registration.Interface, registration);
            if (!_byName.TryAdd(registration.TypeName, registration))
            {
                throw new InvalidOperationException($"Two grain interfaces use the type name '{registration.TypeName}'.");
            }
            foreach (var method in AllMethods(registration.Interface))
            {
                var grainMethod = GrainMethod.For(method);
                if (!_methods.TryAdd(grainMethod.Name, grainMethod))
                {
                    throw new InvalidOperationException($"Grain method {grainMethod.Name} is overloaded; grain interfaces may not overload methods.");
                }
            }
        }
    }

    public IEnumerable<GrainRegistration> Registrations => _byInterface.Values;

    public static string TypeNameOf(Type grainInterface) =>
        grainInterface.GetCustomAttribute<GrainTypeAttribute>()?.Name
        ?? (grainInterface.Name.StartsWith('I') ? grainInterface.Name[1..] : grainInterface.Name);

    /// <summary>The registration of a grain interface; grain interfaces used by a client need no implementation here.</summary>
    public string TypeNameFor(Type grainInterface) =>
        _byInterface.TryGetValue(grainInterface, out var registration) ? registration.TypeName : TypeNameOf(grainInterface);

    public GrainRegistration GetByTypeName(string typeName) =>
        _byName.TryGetValue(typeName, out var registration)
            ? registration
            : throw new InvalidOperationException($"No grain implementation is registered for grain type '{typeName}'.");

    public bool TryGetMethod(string name, out GrainMethod method) => _methods.TryGetValue(name, out method!);

    internal static IEnumerable<MethodInfo> AllMethods(Type grainInterface) =>
        new[] { grainInterface }.Concat(grainInterface.GetInterfaces())
            .Where(i => i != typeof(IGrain) && typeof(IGrain).IsAssignableFrom(i))
            .SelectMany(i => i.GetMethods());
}
