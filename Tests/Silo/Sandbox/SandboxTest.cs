using PaymentNotifications.Silo.Sandbox;
using Xunit;

namespace PaymentNotifications.Tests.Silo.Sandbox;

/// <summary>Starts fresh sandbox providers for each test, and a client to reach them.</summary>
public abstract class SandboxTest : IAsyncLifetime
{
    private SandboxProviders? _sandbox;

    protected SandboxProviders Sandbox => _sandbox ?? throw new InvalidOperationException("The sandbox is not started.");

    protected HttpClient Http { get; } = new();

    /// <summary>Settings of the sandbox under test; a fixed seed keeps fault rolls repeatable.</summary>
    protected virtual SandboxOptions Options => new() { RandomSeed = 7, HangLimit = TimeSpan.FromSeconds(30) };

    public virtual async Task InitializeAsync() => _sandbox = await SandboxProviders.StartAsync(Options);

    public virtual async Task DisposeAsync()
    {
        Http.Dispose();
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }
}
