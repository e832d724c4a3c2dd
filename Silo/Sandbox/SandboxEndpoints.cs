
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
    public static IEndpointRouteBuilder MapSandboxProviders(this IEndpointRouteBuilder endpoints)
    {
        var sandbox = endpoints.ServiceProvider.GetService<SandboxContext>()
            ?? throw new InvalidOperationException("Call services.AddSandboxProviders(...) before MapSandboxProviders().");

        ProviderSandbox[] providers =
        [
            new TwilioSandbox(sandbox), new VonageSandbox(sandbox), new SendGridSandbox(sandbox),
            new MailgunSandbox(sandbox), new FcmSandbox(sandbox), new ApnsSandbox(sandbox),
        ];
        foreach (var provider in providers)
        {
            provider.Map(endpoints.MapGroup($"/sandbox/{provider.Name}").ExcludeFromDescription());
        }

        var control = endpoints.MapGroup("/sandbox/{provider}").ExcludeFromDescription();
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
        return endpoints;
    }

    private static bool Known(string provider) => Providers.Contains(provider);

    private static IResult UnknownProvider(string provider) =>
        Results.Problem($"No sandbox provider named '{provider}'.", statusCode: StatusCodes.Status404NotFound);
}
