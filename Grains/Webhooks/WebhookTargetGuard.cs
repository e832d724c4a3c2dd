using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PaymentNotifications.Grains.Delivery;

namespace PaymentNotifications.Grains.Webhooks;

/// <summary>Where webhooks may be delivered, bound from the <c>Webhooks</c> configuration section.</summary>
public sealed class WebhookTargetGuardOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Webhooks";

    /// <summary>
    /// Comma-separated CIDRs (IPv4 and IPv6, e.g. "127.0.0.0/8,::1/128") that may be reached even though they
    /// are loopback, private or otherwise non-public (<c>Webhooks:AllowedNetworks</c>, default none). A bare
    /// address means that one host.
    /// </summary>
    public string? AllowedNetworks { get; set; }

    /// <summary>Refuse plain http endpoint URLs at registration (<c>Webhooks:RequireHttps</c>, default false).</summary>
    public bool RequireHttps { get; set; }

    /// <summary>Time allowed to open a connection, DNS included (<c>Webhooks:ConnectTimeout</c>, a duration such as "10s"; default 10 s).</summary>
    public string ConnectTimeout { get; set; } = "10s";
}

/// <summary>A webhook target the <see cref="WebhookTargetGuard"/> will not connect to; retrying will not help until configuration changes.</summary>
public sealed class WebhookTargetRefusedException : Exception
{
    /// <summary>Creates the exception for <paramref name="host"/>.</summary>
    public WebhookTargetRefusedException(string host, string reason)
        : base($"Webhook target \"{host}\" refused: {reason}.")
    {
        Host = host;
        Reason = reason;
    }

    /// <summary>The host name or address that was refused.</summary>
    public string Host { get; }

    /// <summary>Why, e.g. "127.0.0.1 is in a loopback range".</summary>
    public string Reason { get; }
}

/// <summary>
/// Keeps webhook deliveries away from the service's own network (SSRF): loopback, private, link-local,
/// carrier-grade NAT, unspecified, multicast and reserved addresses, including their IPv4-mapped and
/// IPv4-embedding IPv6 forms, are refused unless inside <see cref="WebhookTargetGuardOptions.AllowedNetworks"/>.
/// </summary>
/// <remarks>
/// The address check happens when a connection is opened (<see cref="ConnectAsync"/>), on the addresses the
/// host resolves to at that moment, and the socket connects only to an address that passed; so a DNS answer
/// that changes between registration and delivery (DNS rebinding) cannot slip through. Redirects are never
/// followed, because a redirect could point anywhere.
/// </remarks>
public sealed class WebhookTargetGuard
{
    private static readonly (IPNetwork Network, string Kind)[] SpecialRanges =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "carrier-grade NAT"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "reserved"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("::/96"), "reserved"),
        (IPNetwork.Parse("fc00::/7"), "private"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "private"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    // IPv6 prefixes that carry an IPv4 address a gateway may forward to: NAT64 (last 32 bits) and 6to4 (bits 16..47).
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolveHost;

    /// <summary>Creates a guard; <paramref name="resolveHost"/> replaces DNS (for tests), default <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>.</summary>
    /// <exception cref="FormatException">An entry of <see cref="WebhookTargetGuardOptions.AllowedNetworks"/> is not a CIDR, or the connect timeout is not a positive duration.</exception>
    public WebhookTargetGuard(WebhookTargetGuardOptions options, Func<string, CancellationToken, Task<IPAddress[]>>? resolveHost = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!DurationText.TryParse(options.ConnectTimeout, out var connectTimeout, out var error))
        {
            throw new FormatException("Webhooks:ConnectTimeout: " + error);
        }

        if (connectTimeout <= TimeSpan.Zero)
        {
            throw new FormatException("Webhooks:ConnectTimeout must be longer than zero.");
        }

        AllowedNetworks = ParseNetworks(options.AllowedNetworks);
        RequireHttps = options.RequireHttps;
        ConnectTimeout = connectTimeout;
        _resolveHost = resolveHost ?? ((host, ct) => Dns.GetHostAddressesAsync(host, ct));
    }

    /// <summary>Networks reachable despite being non-public.</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworks { get; }

    /// <summary>Whether endpoint URLs must use https.</summary>
    public bool RequireHttps { get; }

    /// <summary>Time allowed to open a connection.</summary>
    public TimeSpan ConnectTimeout { get; }

    /// <summary>
    /// Parses a comma-separated CIDR list such as "127.0.0.0/8,::1/128"; host bits below the prefix are ignored
    /// ("10.1.2.3/8" means 10.0.0.0/8) and a bare address means that host alone. Null or blank gives an empty list.
    /// </summary>
    /// <exception cref="FormatException">An entry is not a CIDR; the message names it.</exception>
    public static IReadOnlyList<IPNetwork> ParseNetworks(string? list)
    {
        if (string.IsNullOrWhiteSpace(list))
        {
            return [];
        }

        var networks = new List<IPNetwork>();
        foreach (var raw in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var slash = raw.IndexOf('/');
            var addressText = slash < 0 ? raw : raw[..slash];
            // Bare integers ("10") would parse as IPv4 too; a network is always written with dots or colons.
            if (!(addressText.Contains('.') || addressText.Contains(':'))
                || !IPAddress.TryParse(addressText, out var address)
                || (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0))
            {
                throw new FormatException($"Webhooks:AllowedNetworks entry \"{raw}\" is not an IPv4 or IPv6 network like \"10.0.0.0/8\" or \"::1/128\".");
            }

            var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            var prefix = maxPrefix;
            if (slash >= 0 && (!int.TryParse(raw.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > maxPrefix))
            {
                throw new FormatException($"Webhooks:AllowedNetworks entry \"{raw}\" has an invalid prefix length (0 to {maxPrefix}).");
            }

            networks.Add(new IPNetwork(MaskHostBits(address, prefix), prefix));
        }

        return networks;
    }

    /// <summary>
    /// The kind of non-public range <paramref name="address"/> lies in ("loopback", "private", "link-local",
    /// "carrier-grade NAT", "unspecified", "multicast", "reserved"), looking through IPv4-mapped, NAT64 and 6to4
    /// forms; null for a public address.
    /// </summary>
    public static string? NonPublicRange(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        foreach (var candidate in Forms(address))
        {
            foreach (var (network, kind) in SpecialRanges)
            {
                if (network.Contains(candidate))
                {
                    return kind;
                }
            }
        }

        return null;
    }

    /// <summary>True when a connection to <paramref name="address"/> is permitted.</summary>
    public bool IsAllowed(IPAddress address) => IsAllowed(address, out _);

    /// <summary>True when a connection to <paramref name="address"/> is permitted; otherwise <paramref name="reason"/> says why not.</summary>
    public bool IsAllowed(IPAddress address, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(address);
        reason = null;
        var forms = Forms(address);
        if (AllowedNetworks.Any(network => forms.Any(network.Contains)))
        {
            return true;
        }

        var kind = NonPublicRange(address);
        if (kind is null)
        {
            return true;
        }

        reason = $"{address} is in a {kind} range (allow it with Webhooks:AllowedNetworks)";
        return false;
    }

    /// <summary>
    /// Checks an endpoint URL at registration: absolute http or https (https only when <see cref="RequireHttps"/>),
    /// a host, no user name or password, and, when the host is a literal IP address or "localhost", an allowed
    /// address. Host names are checked again on every connection. Null when acceptable, else why not.
    /// </summary>
    public string? ValidateUrl(Uri? url)
    {
        if (url is null || !url.IsAbsoluteUri)
        {
            return "The URL must be absolute, e.g. \"https://example.com/webhooks\".";
        }

        if (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
        {
            return "The URL must use http or https.";
        }

        if (RequireHttps && url.Scheme != Uri.UriSchemeHttps)
        {
            return "The URL must use https.";
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return "The URL must not contain a user name or password.";
        }

        if (string.IsNullOrEmpty(url.Host))
        {
            return "The URL must name a host.";
        }

        if (!string.IsNullOrEmpty(url.Fragment))
        {
            return "The URL must not contain a fragment.";
        }

        // The host as it will be connected to: IDNA maps full-width digits, ideographic full stops and the like to
        // ASCII, so "１２７。０。０。１" is 127.0.0.1 and must be judged as such.
        string host;
        try
        {
            host = url.IdnHost.TrimEnd('.');
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException)
        {
            return "The URL's host is not a valid domain name.";
        }

        if (TryParseLiteral(url.Host, out var literal) || TryParseLiteral(host, out literal))
        {
            return IsAllowed(literal, out var reason) ? null : $"The URL's host is refused: {reason}.";
        }

        // RFC 6761: "localhost" and names under it are loopback whatever DNS says.
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IsAllowed(IPAddress.Loopback, out var reason) ? null : $"The URL's host is refused: {reason}.";
        }

        return null;
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host now, keeps only the permitted addresses and
    /// connects to the first of them that answers.
    /// </summary>
    /// <exception cref="WebhookTargetRefusedException">Every address the host resolves to is refused.</exception>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        var addresses = TryParseLiteral(host, out var literal)
            ? [literal]
            : await _resolveHost(host, cancellationToken).ConfigureAwait(false);

        var permitted = new List<IPAddress>();
        string? firstRefusal = null;
        foreach (var address in addresses)
        {
            if (IsAllowed(address, out var reason))
            {
                permitted.Add(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
            }
            else
            {
                firstRefusal ??= reason;
            }
        }

        if (permitted.Count == 0)
        {
            throw new WebhookTargetRefusedException(host, firstRefusal ?? "the host has no addresses");
        }

        Exception? lastError = null;
        foreach (var address in permitted)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                lastError = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw lastError!;
    }

    /// <summary>
    /// A handler for webhook deliveries: connections go through <see cref="ConnectAsync"/>, redirects are not
    /// followed, no proxy (a proxy would resolve the host itself) and no cookies.
    /// </summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        ConnectCallback = ConnectAsync,
        ConnectTimeout = ConnectTimeout,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        // New connections re-run the address check; do not keep one open forever.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    private static bool TryParseLiteral(string host, [NotNullWhen(true)] out IPAddress? address)
    {
        var trimmed = host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        address = null;
        if (!IPAddress.TryParse(trimmed, out var parsed))
        {
            return false;
        }

        // IPAddress.TryParse also reads bare integers ("2130706433") as IPv4; Uri and DNS agree on that reading, so keep it.
        address = parsed;
        return true;
    }

    private static IPAddress[] Forms(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return [address];
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return [address, address.MapToIPv4()];
        }

        var bytes = address.GetAddressBytes();
        if (Nat64.Contains(address))
        {
            return [address, new IPAddress(bytes.AsSpan(12, 4))];
        }

        if (SixToFour.Contains(address))
        {
            return [address, new IPAddress(bytes.AsSpan(2, 4))];
        }

        return [address];
    }

    private static IPAddress MaskHostBits(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}
