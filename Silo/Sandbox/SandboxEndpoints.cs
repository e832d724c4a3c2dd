using System.Net;

namespace PaymentNotifications.Silo.Sandbox;

/// <summary>Wires the sandbox providers into a host: services, provider APIs and the control API.</summary>
public static class SandboxEndpoints
{
    /// <summary>The providers the sandbox stands in for, as named in routes: /sandbox/{provider}/...</summary>
    public static IReadOnlyList<string> Providers { get; } = ["twilio", "vonage", "sendgrid", "mailgun", "fcm", "apns"];

    /// <summary>Registers the sandbox state (a <see cref="SandboxContext"/> singleton) for <see cref="MapSandboxProviders"/>.</summary>
    public static IServiceCollection AddSandboxProviders(
        this IServiceCollection services, SandboxCredentials credentials, Action<SandboxOptions>? configure = null)
    {
        var options = new SandboxOptions();
        configure?.Invoke(options);
        services.AddSingleton(sp => new SandboxContext(
            credentials, options, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<SandboxContext>>()));
        return services;
    }

    /// <summary>
    /// Maps every provider's API under /sandbox/{provider} at the provider's real paths, plus the control API:
    /// GET|DELETE /sandbox/{provider}/messages and GET|PUT /sandbox/{provider}/faults.
    /// Requires <see cref="AddSandboxProviders"/>.
    /// </summary>
    public static WebApplication MapSandboxProviders(this WebApplication app)
    {
        // The sandbox is for this machine only: its control API sets faults and shows every message sent. A
        // middleware rather than an endpoint filter, so that a refused caller's body is not even read.
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/sandbox"), sandboxOnly => sandboxOnly.Use(RefuseOtherMachines));
        var sandbox = app.Services.GetService<SandboxContext>()
            ?? throw new InvalidOperationException("Call services.AddSandboxProviders(...) before MapSandboxProviders().");

        ProviderSandbox[] providers =
        [
            new TwilioSandbox(sandbox), new VonageSandbox(sandbox), new SendGridSandbox(sandbox),
            new MailgunSandbox(sandbox), new FcmSandbox(sandbox), new ApnsSandbox(sandbox),
        ];
        var root = app.MapGroup("/sandbox").ExcludeFromDescription();
        foreach (var provider in providers)
        {
            provider.Map(root.MapGroup($"/{provider.Name}"));
        }

        var control = root.MapGroup("/{provider}");
        control.MapGet("/messages", (string provider) =>
            Known(provider) ? Results.Ok(sandbox.Recorder.Messages(provider)) : UnknownProvider(provider));
        control.MapDelete("/messages", (string provider) =>
        {
            if (!Known(provider))
            {
                return UnknownProvider(provider);
            }

            sandbox.Recorder.Clear(provider);
            return Results.NoContent();
        });
        control.MapGet("/faults", (string provider) =>
            Known(provider) ? Results.Ok(sandbox.Faults.Get(provider)) : UnknownProvider(provider));
        control.MapPut("/faults", (string provider, FaultSettings settings) =>
        {
            if (!Known(provider))
            {
                return UnknownProvider(provider);
            }

            var problems = settings.Validate();
            if (problems.Count > 0)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["faults"] = [.. problems] });
            }

            sandbox.Faults.Set(provider, settings);
            return Results.Ok(settings);
        });
        return app;
    }

    /// <summary>Refuses callers from another machine (403); in-process callers (a test server) have no address.</summary>
    private static async Task RefuseOtherMachines(HttpContext context, RequestDelegate next)
    {
        var caller = context.Connection.RemoteIpAddress;
        if (caller is not null && !IPAddress.IsLoopback(caller.IsIPv4MappedToIPv6 ? caller.MapToIPv4() : caller))
        {
            await Results.Problem("The sandbox providers answer only callers on this machine.", statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    private static bool Known(string provider) => Providers.Contains(provider);

    private static IResult UnknownProvider(string provider) =>
        Results.Problem($"No sandbox provider named '{provider}'.", statusCode: StatusCodes.Status404NotFound);
}
