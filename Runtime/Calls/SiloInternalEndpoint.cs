using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PaymentNotifications.Runtime.Activation;
using PaymentNotifications.Runtime.Storage;

namespace PaymentNotifications.Runtime.Calls;

/// <summary>
/// The internal endpoint other silos send grain calls to, on the silo's normal listener. Only
/// requests carrying the cluster secret in <see cref="SecretHeader"/> get past the first check;
/// it does not depend on, and is not opened by, any authentication the public API uses.
/// </summary>
public static class SiloInternalEndpoint
{
    /// <summary>The path grain calls are posted to.</summary>
    public const string InvokePath = "/_silo/invoke";

    /// <summary>The header carrying the cluster secret.</summary>
    public const string SecretHeader = "X-Cluster-Secret";

    /// <summary>Runs one call: checks the secret, decodes it, runs it here if this silo owns the grain, encodes the outcome.</summary>
    internal static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var cancellationToken = context.RequestAborted;
        if (!services.GetRequiredService<Hosting.Silo>().IsServing)
        {
            // Nothing ran: the caller may send it again (to this silo once started, or to the new owner).
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        if (!await services.GetRequiredService<ClusterSecret>().MatchesAsync(context.Request.Headers[SecretHeader], cancellationToken))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        SiloCallRequest request;
        GrainId grainId;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, SiloCallJsonContext.Default.SiloCallRequest, cancellationToken)
                ?? throw new JsonException("Empty request.");
            grainId = GrainId.Parse(request.Grain);
            CallChain.Restore(request.CallChain ?? []);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var json = services.GetRequiredService<RuntimeJson>().Options;
        SiloCallResponse response;
        try
        {
            if (!services.GetRequiredService<GrainTypeRegistry>().TryGetMethod(request.Method, out var method))
            {
                throw new InvalidOperationException($"No grain method {request.Method} is registered on this silo.");
            }
            var arguments = request.Arguments ?? [];
            if (arguments.Length != method.ParameterTypes.Length)
            {
                throw new ArgumentException($"{request.Method} takes {method.ParameterTypes.Length} arguments, not {arguments.Length}.");
            }
            var decoded = new object?[arguments.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                decoded[i] = arguments[i].Deserialize(method.ParameterTypes[i], json);
            }
            var result = await services.GetRequiredService<GrainCallRouter>().InvokeHereAsync(grainId, method, decoded);
            response = new SiloCallResponse(SiloCallOutcome.Result,
                method.ResultType is null ? null : JsonSerializer.SerializeToElement(result, method.ResultType, json));
        }
        catch (NotOwnerException e)
        {
            response = new SiloCallResponse(SiloCallOutcome.NotOwner, OwnerSiloId: e.CurrentOwner?.SiloId, OwnerAddress: e.CurrentOwner?.Address);
        }
        catch (Exception e)
        {
            response = new SiloCallResponse(SiloCallOutcome.Exception, Exception: GrainExceptionCodec.Describe(e));
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        await context.Response.WriteAsJsonAsync(response, SiloCallJsonContext.Default.SiloCallResponse, contentType: null, cancellationToken);
    }
}
