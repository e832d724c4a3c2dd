using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace PaymentNotifications.Runtime.Storage;

/// <summary>
/// The JSON options for stored state and silo-to-silo messages: the registered source-generated
/// contexts first, reflection as the fallback for types they do not cover.
/// </summary>
public sealed class RuntimeJson
{
    public RuntimeJson(IEnumerable<IJsonTypeInfoResolver> resolvers)
    {
        Options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        foreach (var resolver in resolvers)
        {
            Options.TypeInfoResolverChain.Add(resolver);
        }
        Options.TypeInfoResolverChain.Add(new DefaultJsonTypeInfoResolver());
        Options.MakeReadOnly();
    }

    public JsonSerializerOptions Options { get; }
}
