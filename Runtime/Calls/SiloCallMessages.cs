using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaymentNotifications.Runtime.Calls;

/// <summary>
/// A grain call sent to the silo that owns the grain. <see cref="Method"/> is the interface's full
/// name and the method name (grain interfaces have no overloads); arguments and result are JSON in
/// the runtime's options; <see cref="CallChain"/> is the caller's chain, outermost first.
/// </summary>
public sealed record SiloCallRequest(string Grain, string Method, JsonElement[] Arguments, string[] CallChain);

/// <summary>How a silo-to-silo call ended.</summary>
public enum SiloCallOutcome
{
    /// <summary>The grain method returned; <see cref="SiloCallResponse.Result"/> holds its value.</summary>
    [JsonStringEnumMemberName("result")]
    Result,

    /// <summary>The grain method threw; <see cref="SiloCallResponse.Exception"/> describes it.</summary>
    [JsonStringEnumMemberName("exception")]
    Exception,

    /// <summary>The silo does not own the grain's partition: the call did not run there, or ran without committing state.</summary>
    [JsonStringEnumMemberName("notOwner")]
    NotOwner,
}

/// <summary>The answer to a <see cref="SiloCallRequest"/>; a NotOwner answer may name the owner as the refusing silo sees it.</summary>
public sealed record SiloCallResponse(
    SiloCallOutcome Outcome,
    JsonElement? Result = null,
    RemoteExceptionInfo? Exception = null,
    string? OwnerSiloId = null,
    string? OwnerAddress = null);

/// <summary>Source-generated JSON for the silo-to-silo envelope (the payload inside uses the runtime's options).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SiloCallRequest))]
[JsonSerializable(typeof(SiloCallResponse))]
internal sealed partial class SiloCallJsonContext : JsonSerializerContext;
