using System.Net;
using System.Net.Sockets;

namespace PaymentNotifications.Tests.Infrastructure;

/// <summary>Orleans' silo and gateway ports for a silo under test: free ones, so silos of parallel tests do not collide.</summary>
public static class OrleansPorts
{
    public static IReadOnlyDictionary<string, string?> Free() => new Dictionary<string, string?>
    {
        ["Orleans:Endpoints:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans:Endpoints:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans:Endpoints:AdvertisedIPAddress"] = "127.0.0.1",
    };

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
