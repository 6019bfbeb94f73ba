using System;
using System.Globalization;

namespace Rlay
{
    /// <summary>
    /// A transport address: <c>tcp://host:port</c> (host defaults to 127.0.0.1; port 0 picks a
    /// free one when listening) or <c>unix:///absolute/path</c>.
    /// </summary>
    /// <example><code>
    /// Address a = Address.Parse("tcp://127.0.0.1:5005");
    /// Console.WriteLine(a.Host + " " + a.Port);
    /// </code></example>
    public sealed class Address
    {
        public const string DefaultHost = "127.0.0.1";

        Address(string scheme, string host, int port, string path)
        {
            Scheme = scheme;
            Host = host;
            Port = port;
            Path = path;
        }

        /// <summary>"tcp" or "unix".</summary>
        public string Scheme { get; private set; }

        public string Host { get; private set; }

        public int Port { get; private set; }

        /// <summary>The socket path of a unix address.</summary>
        public string Path { get; private set; }

        public static Address Tcp(string host, int port)
        {
            if (port < 0 || port > 65535)
                throw new InvalidAddressException("port " + port + " is out of range 0..65535");
            return new Address("tcp", string.IsNullOrEmpty(host) ? DefaultHost : host, port, null);
        }

        /// <summary>Parses an address; throws <see cref="InvalidAddressException"/> naming the problem.</summary>
        public static Address Parse(string text)
        {
            if (string.IsNullOrEmpty(text)) throw new InvalidAddressException("empty address");
            int sep = text.IndexOf("://", StringComparison.Ordinal);
            if (sep < 0)
                throw new InvalidAddressException("address '" + text + "' has no scheme (expected tcp://host:port)");
            string scheme = text.Substring(0, sep).ToLowerInvariant();
            string rest = text.Substring(sep + 3);
            if (scheme == "unix")
            {
                if (!rest.StartsWith("/", StringComparison.Ordinal))
                    throw new InvalidAddressException("unix address '" + text + "' needs an absolute path");
                return new Address("unix", null, 0, rest);
            }
            if (scheme != "tcp")
                throw new InvalidAddressException("unsupported scheme '" + scheme + "' in '" + text + "' (tcp or unix)");
            int colon = rest.LastIndexOf(':');
            if (colon < 0) throw new InvalidAddressException("address '" + text + "' has no port");
            string host = rest.Substring(0, colon);
            if (host.StartsWith("[", StringComparison.Ordinal) && host.EndsWith("]", StringComparison.Ordinal))
                host = host.Substring(1, host.Length - 2);
            int port;
            if (!int.TryParse(rest.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port))
                throw new InvalidAddressException("address '" + text + "' has an invalid port");
            return Tcp(host, port);
        }

        public override string ToString()
        {
            if (Scheme == "unix") return "unix://" + Path;
            string host = Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host;
            return "tcp://" + host + ":" + Port.ToString(CultureInfo.InvariantCulture);
        }
    }
}
