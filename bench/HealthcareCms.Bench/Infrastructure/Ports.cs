using System.Net;
using System.Net.Sockets;

namespace HealthcareCms.Bench.Infrastructure;

public static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True when something accepts connections on the port (IPv4 or IPv6 loopback).</summary>
    public static bool InUse(int port)
    {
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            try
            {
                using var client = new TcpClient(address.AddressFamily);
                if (client.ConnectAsync(address, port).Wait(TimeSpan.FromMilliseconds(300)) && client.Connected)
                {
                    return true;
                }
            }
            catch (AggregateException)
            {
                // refused: free on this address family
            }
            catch (SocketException)
            {
                // no IPv6: nothing listens there
            }
        }

        return false;
    }
}
