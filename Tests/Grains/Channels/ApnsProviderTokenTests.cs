using Microsoft.Extensions.Time.Testing;
using System.Security.Cryptography;
using PaymentNotifications.Grains.Channels;
using PaymentNotifications.Grains.Interfaces.Contracts;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Channels;

/// <summary>The APNs provider token is signed once and reused for its lifetime, as Apple asks.</summary>
public sealed class ApnsProviderTokenTests : IAsyncLifetime
{
    private readonly HttpClient _http = new();
    private readonly List<string> _authorizations = [];
    private StubProviderServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await StubProviderServer.StartAsync();
        _server.Answer = context =>
        {
            lock (_authorizations)
            {
                _authorizations.Add(context.Request.Headers.Authorization.ToString());
            }

            return Task.CompletedTask;
        };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Provider_token_is_reused_until_its_lifetime_ends()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        using var adapter = new ApnsPushAdapter(_http, new ApnsOptions
        {
            BaseUrl = _server.BaseUrl,
            TeamId = "TEAM123456",
            KeyId = "KEY1234567",
            PrivateKey = key.ExportPkcs8PrivateKeyPem(),
            BundleId = "com.example.payments",
            HttpVersion = "1.1",
        }, clock);

        await Send(adapter);
        clock.Advance(TimeSpan.FromMinutes(49));
        await Send(adapter);
        clock.Advance(TimeSpan.FromMinutes(2));
        await Send(adapter);

        Assert.StartsWith("bearer ", _authorizations[0]);
        Assert.Equal(_authorizations[0], _authorizations[1]);
        Assert.NotEqual(_authorizations[1], _authorizations[2]);
    }

    private static async Task Send(ApnsPushAdapter adapter)
    {
        var result = await adapter.SendAsync(TestMessages.Push("a1b2c3", PushPlatform.Ios), CancellationToken.None);
        Assert.Equal(ProviderOutcome.Success, result.Outcome);
    }
}
