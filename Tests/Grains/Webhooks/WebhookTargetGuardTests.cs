using System.Net;
using System.Net.Sockets;
using PaymentNotifications.Grains.Webhooks;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Webhooks;

public sealed class WebhookTargetGuardTests
{
    private static WebhookTargetGuard Guard(string? allowed = null, bool requireHttps = false, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null) =>
        new(new WebhookTargetGuardOptions { AllowedNetworks = allowed, RequireHttps = requireHttps }, resolve);

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.255", "carrier-grade NAT")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fc00::1", "private")]
    [InlineData("fd12:3456:789a::1", "private")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fe80::1%2", "link-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::ffff:100.64.0.1", "carrier-grade NAT")]
    [InlineData("::ffff:0.0.0.0", "unspecified")]
    [InlineData("64:ff9b::a00:1", "private")]
    [InlineData("2002:c0a8:0101::1", "private")]
    [InlineData("::7f00:1", "reserved")]
    public void Non_public_addresses_are_refused(string text, string kind)
    {
        var address = IPAddress.Parse(text);
        Assert.Equal(kind, WebhookTargetGuard.NonPublicRange(address));
        Assert.False(Guard().IsAllowed(address, out var reason));
        Assert.Contains(kind, reason);
        Assert.Contains("Webhooks:AllowedNetworks", reason);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("11.0.0.1")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:0808:0808::1")]
    public void Public_addresses_are_allowed(string text)
    {
        var address = IPAddress.Parse(text);
        Assert.Null(WebhookTargetGuard.NonPublicRange(address));
        Assert.True(Guard().IsAllowed(address));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Allowed_networks_open_their_addresses(string text)
    {
        Assert.True(Guard("127.0.0.0/8,::1/128").IsAllowed(IPAddress.Parse(text)));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("192.168.0.1")]
    [InlineData("fe80::1")]
    [InlineData("::2")]
    public void Allowed_networks_open_nothing_else(string text)
    {
        Assert.False(Guard("127.0.0.0/8,::1/128").IsAllowed(IPAddress.Parse(text)));
    }

    [Fact]
    public void Allowed_ipv6_network_covers_private_ipv6_range()
    {
        var guard = Guard(" fd00:1234::/32 , 10.20.0.0/16 ");
        Assert.True(guard.IsAllowed(IPAddress.Parse("fd00:1234:5::9")));
        Assert.False(guard.IsAllowed(IPAddress.Parse("fd00:1235::9")));
        Assert.True(guard.IsAllowed(IPAddress.Parse("10.20.3.4")));
        Assert.True(guard.IsAllowed(IPAddress.Parse("::ffff:10.20.3.4")));
        Assert.False(guard.IsAllowed(IPAddress.Parse("10.21.3.4")));
    }

    [Fact]
    public void Network_list_is_parsed_with_host_bits_cleared_and_bare_addresses_as_single_hosts()
    {
        var networks = WebhookTargetGuard.ParseNetworks("10.1.2.3/8, 192.168.5.5, ::1");
        Assert.Equal(new[] { "10.0.0.0/8", "192.168.5.5/32", "::1/128" }, networks.Select(n => n.ToString()));
        Assert.Empty(WebhookTargetGuard.ParseNetworks(null));
        Assert.Empty(WebhookTargetGuard.ParseNetworks(" "));
    }

    [Theory]
    [InlineData("10.0.0.0/33", "prefix")]
    [InlineData("::1/129", "prefix")]
    [InlineData("10.0.0.0/", "prefix")]
    [InlineData("10.0.0.0/-1", "prefix")]
    [InlineData("intranet", "\"intranet\" is not")]
    [InlineData("127.0.0.0/8,nope/8", "\"nope/8\"")]
    [InlineData("fe80::1%2/64", "is not")]
    [InlineData("10/8", "is not")]
    public void Bad_network_entries_are_named(string list, string expected)
    {
        var error = Assert.Throws<FormatException>(() => WebhookTargetGuard.ParseNetworks(list));
        Assert.Contains(expected, error.Message);
        Assert.Contains("Webhooks:AllowedNetworks", error.Message);
        Assert.Throws<FormatException>(() => Guard(list));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("0s")]
    public void Bad_connect_timeout_is_refused(string value)
    {
        Assert.Throws<FormatException>(() => new WebhookTargetGuard(new WebhookTargetGuardOptions { ConnectTimeout = value }));
    }

    [Theory]
    [InlineData("https://hooks.example.com/notify")]
    [InlineData("http://hooks.example.com:8080/notify?x=1")]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("https://[2001:4860:4860::8888]/hook")]
    public void Acceptable_urls_pass(string url)
    {
        Assert.Null(Guard().ValidateUrl(new Uri(url)));
    }

    [Theory]
    [InlineData("ftp://hooks.example.com/x", "http or https")]
    [InlineData("file:///etc/passwd", "http or https")]
    [InlineData("https://user:pw@hooks.example.com/x", "user name or password")]
    [InlineData("https://user@hooks.example.com/x", "user name or password")]
    [InlineData("https://hooks.example.com/x#frag", "fragment")]
    [InlineData("http://127.0.0.1/x", "loopback")]
    [InlineData("http://127.1/x", "loopback")]
    [InlineData("http://2130706433/x", "loopback")]
    [InlineData("http://0x7f000001/x", "loopback")]
    [InlineData("http://[::1]/x", "loopback")]
    [InlineData("http://[::ffff:10.0.0.1]/x", "private")]
    [InlineData("http://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("http://localhost:5000/x", "loopback")]
    [InlineData("http://api.localhost/x", "loopback")]
    [InlineData("http://0.0.0.0/x", "unspecified")]
    [InlineData("http://\uFF11\uFF12\uFF17.\uFF10.\uFF10.\uFF11/x", "loopback")]
    [InlineData("http://127\u30020\u30020\u30021/x", "loopback")]
    [InlineData("http://127\uFF0E0\uFF0E0\uFF0E1/x", "loopback")]
    [InlineData("http://\uFF11\uFF10\u3002\uFF10\u3002\uFF10\u3002\uFF11/x", "private")]
    [InlineData("http://169\uFF61254\uFF61169\uFF61254/latest", "link-local")]
    [InlineData("http://\uFF4C\uFF4F\uFF43\uFF41\uFF4C\uFF48\uFF4F\uFF53\uFF54/x", "loopback")]
    [InlineData("http://api.\uFF4C\uFF4F\uFF43\uFF41\uFF4C\uFF48\uFF4F\uFF53\uFF54/x", "loopback")]
    public void Unacceptable_urls_are_refused_at_registration(string url, string expected)
    {
        var error = Guard().ValidateUrl(new Uri(url));
        Assert.NotNull(error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Relative_or_missing_urls_are_refused()
    {
        Assert.Contains("absolute", Guard().ValidateUrl(new Uri("/hooks", UriKind.Relative)));
        Assert.Contains("absolute", Guard().ValidateUrl(null));
    }

    [Fact]
    public void Https_can_be_required()
    {
        Assert.Contains("https", Guard(requireHttps: true).ValidateUrl(new Uri("http://hooks.example.com/x")));
        Assert.Null(Guard(requireHttps: true).ValidateUrl(new Uri("https://hooks.example.com/x")));
    }

    [Fact]
    public void Allowed_networks_make_loopback_urls_acceptable()
    {
        var guard = Guard("127.0.0.0/8,::1/128");
        Assert.Null(guard.ValidateUrl(new Uri("http://127.0.0.1:5000/x")));
        Assert.Null(guard.ValidateUrl(new Uri("http://[::1]:5000/x")));
        Assert.Null(guard.ValidateUrl(new Uri("http://localhost:5000/x")));
    }

    [Fact]
    public void Handler_does_not_follow_redirects_nor_use_a_proxy()
    {
        using var handler = Guard().CreateHandler();
        Assert.False(handler.AllowAutoRedirect);
        Assert.False(handler.UseProxy);
        Assert.NotNull(handler.ConnectCallback);
        Assert.Equal(TimeSpan.FromSeconds(10), handler.ConnectTimeout);
    }

    [Fact]
    public async Task Loopback_receiver_is_refused_without_an_allow_list()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        using var client = new HttpClient(Guard().CreateHandler());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(receiver.BaseUri));

        var refused = Assert.IsType<WebhookTargetRefusedException>(error.InnerException);
        Assert.Contains("loopback", refused.Reason);
        Assert.Equal(0, receiver.TotalHits);
    }

    [Fact]
    public async Task Loopback_receiver_is_reached_when_allowed()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        using var client = new HttpClient(Guard("127.0.0.0/8").CreateHandler());

        using var response = await client.PostAsync(receiver.BaseUri, new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, receiver.Hits("/"));
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        using var client = new HttpClient(Guard("127.0.0.0/8").CreateHandler());

        using var response = await client.GetAsync(new Uri(receiver.BaseUri, "/redirect"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(1, receiver.Hits("/redirect"));
        Assert.Equal(0, receiver.Hits("/target"));
    }

    [Fact]
    public async Task Host_names_are_resolved_and_checked_on_every_new_connection()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var answers = new Queue<IPAddress[]>([[IPAddress.Loopback], [IPAddress.Parse("10.0.0.7")]]);
        var lookups = new List<string>();
        var guard = Guard("127.0.0.0/8", resolve: (host, _) =>
        {
            lookups.Add(host);
            return Task.FromResult(answers.Dequeue());
        });
        using var client = new HttpClient(guard.CreateHandler());
        var url = new UriBuilder(receiver.BaseUri) { Host = "hooks.test" }.Uri;

        using (var first = new HttpRequestMessage(HttpMethod.Get, url))
        {
            first.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(first);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The name now points into a private network: the next connection must not go there.
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(url));
        var refused = Assert.IsType<WebhookTargetRefusedException>(error.InnerException);
        Assert.Equal("hooks.test", refused.Host);
        Assert.Contains("10.0.0.7", refused.Reason);
        Assert.Equal(new[] { "hooks.test", "hooks.test" }, lookups);
        Assert.Equal(1, receiver.TotalHits);
    }

    [Fact]
    public async Task Only_checked_addresses_are_connected_to_even_when_a_refused_one_comes_first()
    {
        await using var allowed = await LoopbackReceiver.StartAsync();
        LoopbackReceiver refusedReceiver;
        try
        {
            refusedReceiver = await LoopbackReceiver.StartAsync($"http://127.0.0.2:{allowed.BaseUri.Port}");
        }
        catch (IOException)
        {
            // 127.0.0.2 is not bindable here; the single-receiver tests still cover the refusal.
            return;
        }

        await using (refusedReceiver)
        {
            var guard = Guard("127.0.0.1/32", resolve: (_, _) => Task.FromResult(new[] { IPAddress.Parse("127.0.0.2"), IPAddress.Loopback }));
            using var client = new HttpClient(guard.CreateHandler());

            using var response = await client.GetAsync(new UriBuilder(allowed.BaseUri) { Host = "hooks.test" }.Uri);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1, allowed.TotalHits);
            Assert.Equal(0, refusedReceiver.TotalHits);
        }
    }

    [Fact]
    public async Task Literal_addresses_are_checked_without_dns()
    {
        var guard = Guard(resolve: (host, _) => throw new InvalidOperationException("DNS must not be asked for " + host));
        using var client = new HttpClient(guard.CreateHandler());

        var v6 = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://[::1]:9/"));
        Assert.Contains("loopback", Assert.IsType<WebhookTargetRefusedException>(v6.InnerException).Reason);

        var mapped = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://[::ffff:10.1.2.3]:9/"));
        Assert.Contains("private", Assert.IsType<WebhookTargetRefusedException>(mapped.InnerException).Reason);
    }

    [Fact]
    public async Task An_allowed_ipv4_mapped_literal_reaches_the_ipv4_receiver()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        using var client = new HttpClient(Guard("127.0.0.0/8").CreateHandler());

        using var response = await client.GetAsync($"http://[::ffff:127.0.0.1]:{receiver.BaseUri.Port}/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, receiver.TotalHits);
    }

    [Fact]
    public async Task Host_without_addresses_is_refused()
    {
        var guard = Guard(resolve: (_, _) => Task.FromResult(Array.Empty<IPAddress>()));
        using var client = new HttpClient(guard.CreateHandler());
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://nothing.test/"));
        Assert.IsType<WebhookTargetRefusedException>(error.InnerException);
    }

    [Fact]
    public async Task Connection_errors_surface_as_network_errors_not_refusals()
    {
        // Bind and release a port so that nothing listens on it.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var client = new HttpClient(Guard("127.0.0.0/8").CreateHandler());
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{port}/"));
        Assert.IsNotType<WebhookTargetRefusedException>(error.InnerException);
    }
}

public sealed class WebhookOptionsAtStartTests
{
    [Theory]
    [InlineData("Webhooks:AllowedNetworks", "10.0.0.0/33", "Webhooks:AllowedNetworks entry \"10.0.0.0/33\" has an invalid prefix length")]
    [InlineData("Webhooks:AllowedNetworks", "10.0.0.0/8,intranet", "Webhooks:AllowedNetworks entry \"intranet\" is not an IPv4 or IPv6 network")]
    [InlineData("Webhooks:ConnectTimeout", "soon", "Webhooks:ConnectTimeout")]
    [InlineData("Webhooks:ConnectTimeout", "0s", "Webhooks:ConnectTimeout must be longer than zero")]
    public async Task A_malformed_setting_stops_the_start_naming_the_key_and_the_entry(string key, string value, string expected)
    {
        await using var app = new PaymentNotifications.Tests.Infrastructure.SiloApp(null, new Dictionary<string, string?> { [key] = value });

        var error = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(await app.StartFailureAsync());

        Assert.Contains(expected, error.Message);
    }
}
