
namespace PaymentNotifications.Silo.Sandbox;

/// <summary>The fault answers a sandbox gives before handling a request.</summary>
internal enum SandboxFault
{
    /// <summary>A 500 in the provider's error shape.</summary>
    Error,

    /// <summary>The provider's rate-limit answer.</summary>
    Throttle,

    /// <summary>A 503: the provider is down.</summary>
    Down,
}

/// <summary>One provider's stand-in: its API routes and its shapes of fault answers.</summary>
internal abstract class ProviderSandbox(SandboxContext sandbox)
{
    protected SandboxContext Sandbox { get; } = sandbox;

    /// <summary>Provider name, also the route prefix /sandbox/{name}.</summary>
    public abstract string Name { get; }

    /// <summary>Maps the provider's API on the /sandbox/{name} group.</summary>
    public abstract void Map(RouteGroupBuilder routes);

    /// <summary>The provider's answer for an injected fault.</summary>
    protected abstract IResult FaultAnswer(SandboxFault fault, FaultSettings settings, HttpContext http);

    /// <summary>Puts a message route under the provider's faults: down, latency, error and throttle rates.</summary>
    protected RouteHandlerBuilder WithFaults(RouteHandlerBuilder route) => route.AddEndpointFilter(async (context, next) =>
    {
        var http = context.HttpContext;
        var settings = Sandbox.Faults.Get(Name);
        if (settings.Down)
        {
            return FaultAnswer(SandboxFault.Down, settings, http);
        }

        if (settings.LatencyMs > 0)
        {
            await Sandbox.HoldAsync(TimeSpan.FromMilliseconds(settings.LatencyMs), http);
            if (http.RequestAborted.IsCancellationRequested)
            {
                return Results.Empty;
            }
        }

        if (Sandbox.Faults.Roll(Name, settings.ErrorRate))
        {
            return FaultAnswer(SandboxFault.Error, settings, http);
        }

        if (Sandbox.Faults.Roll(Name, settings.ThrottleRate))
        {
            return FaultAnswer(SandboxFault.Throttle, settings, http);
        }

        return await next(context);
    });

    /// <summary>How the request arrived, e.g. "HTTP/2".</summary>
    protected static string Protocol(HttpContext http) => http.Request.Protocol;
}
