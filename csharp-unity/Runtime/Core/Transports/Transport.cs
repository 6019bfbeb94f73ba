using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace Rlay.Transports
{
    /// <summary>
    /// Opens connections for an <see cref="Address"/>: TCP (NoDelay) and Unix domain sockets.
    /// </summary>
    /// <example><code>
    /// using (IListener listener = Transport.Listen(Address.Parse("tcp://127.0.0.1:0")))
    /// {
    ///     Console.WriteLine("listening on " + listener.Address);
    ///     IConnection connection = listener.Accept(60000);
    /// }
    /// </code></example>
    public static class Transport
    {
        /// <summary>Binds and listens; port 0 picks a free port (see IListener.Address).</summary>
        public static IListener Listen(Address address)
        {
            if (address.Scheme == "unix") return SocketListener.BindUnix(address.Path);
            return SocketListener.BindTcp(address.Host, address.Port);
        }

        /// <summary>
        /// Connects, retrying while nothing listens at the address, for up to timeoutMs
        /// (negative: one attempt). Throws <see cref="TimeoutException"/> naming the address.
        /// </summary>
        public static IConnection Dial(Address address, int timeoutMs)
        {
            Deadline deadline = Deadline.After(Math.Max(timeoutMs, 0));
            string last = "";
            while (true)
            {
                Socket socket = null;
                try
                {
                    socket = Connect(address, deadline);
                    return new SocketConnection(socket, address.ToString());
                }
                catch (SocketException e)
                {
                    if (socket != null) socket.Close();
                    last = e.Message;
                }
                if (timeoutMs < 0 || deadline.Expired)
                    throw new TimeoutException("could not connect to " + address + " within " + timeoutMs + " ms: " + last);
                Thread.Sleep((int)Math.Min(100, deadline.RemainingMs));
            }
        }

        static Socket Connect(Address address, Deadline deadline)
        {
            EndPoint endPoint;
            Socket socket;
            if (address.Scheme == "unix")
            {
                endPoint = new UnixDomainSocketEndPoint(address.Path);
                socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            }
            else
            {
                IPAddress ip = Resolve(address.Host);
                endPoint = new IPEndPoint(ip, address.Port);
                socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            }
            IAsyncResult pending = socket.BeginConnect(endPoint, null, null);
            int wait = (int)Math.Min(Math.Max(deadline.RemainingMs, 1), int.MaxValue);
            if (!pending.AsyncWaitHandle.WaitOne(wait))
            {
                socket.Close();
                throw new SocketException((int)SocketError.TimedOut);
            }
            socket.EndConnect(pending);
            return socket;
        }

        internal static IPAddress Resolve(string host)
        {
            IPAddress ip;
            if (IPAddress.TryParse(host, out ip)) return ip;
            try
            {
                IPAddress[] all = Dns.GetHostAddresses(host);
                foreach (IPAddress candidate in all)
                    if (candidate.AddressFamily == AddressFamily.InterNetwork) return candidate;
                if (all.Length > 0) return all[0];
            }
            catch (SocketException)
            {
            }
            throw new InvalidAddressException("cannot resolve host '" + host + "'");
        }
    }

    /// <summary>A listening stream socket.</summary>
    public sealed class SocketListener : IListener
    {
        readonly Socket socket;
        readonly string unixPath;
        volatile bool closed;

        SocketListener(Socket socket, Address address, string unixPath)
        {
            this.socket = socket;
            this.unixPath = unixPath;
            Address = address;
        }

        public Address Address { get; private set; }

        internal static SocketListener BindTcp(string host, int port)
        {
            IPAddress ip = Transport.Resolve(host);
            Socket socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                // No ReuseAddress: Mono maps it to SO_REUSEPORT as well, which would let a
                // second listener share the port instead of failing with AddressInUse.
                socket.Bind(new IPEndPoint(ip, port));
                socket.Listen(64);
            }
            catch (SocketException e)
            {
                socket.Close();
                if (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                    throw new AddressInUseException("tcp://" + host + ":" + port + " is already in use", e);
                throw new InvalidAddressException("cannot listen on tcp://" + host + ":" + port + ": " + e.Message);
            }
            int bound = ((IPEndPoint)socket.LocalEndPoint).Port;
            return new SocketListener(socket, Address.Tcp(host, bound), null);
        }

        internal static SocketListener BindUnix(string path)
        {
            Socket socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
                socket.Listen(64);
            }
            catch (SocketException e)
            {
                socket.Close();
                if (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                    throw new AddressInUseException("unix://" + path + " is already in use", e);
                throw new InvalidAddressException("cannot listen on unix://" + path + ": " + e.Message);
            }
            return new SocketListener(socket, Address.Parse("unix://" + path), path);
        }

        public IConnection Accept(int timeoutMs)
        {
            try
            {
                Deadline deadline = Deadline.After(timeoutMs);
                // Poll in slices so that Close() from another thread ends the wait promptly.
                while (!socket.Poll((int)Math.Min(deadline.RemainingMs, 200) * 1000, SelectMode.SelectRead))
                {
                    if (closed) throw new ConnectionClosedException("listener on " + Address + " is closed");
                    if (deadline.Expired)
                        throw new TimeoutException("no connection on " + Address + " within " + timeoutMs + " ms");
                }
                Socket accepted = socket.Accept();
                string peer = accepted.RemoteEndPoint == null ? Address.ToString() : accepted.RemoteEndPoint.ToString();
                return new SocketConnection(accepted, peer);
            }
            catch (ObjectDisposedException e)
            {
                throw new ConnectionClosedException("listener on " + Address + " is closed", e);
            }
            catch (SocketException e)
            {
                if (closed) throw new ConnectionClosedException("listener on " + Address + " is closed", e);
                throw new ConnectionClosedException("accept on " + Address + " failed: " + e.Message, e);
            }
        }

        public void Close()
        {
            if (closed) return;
            closed = true;
            socket.Close();
            if (unixPath != null)
            {
                try { File.Delete(unixPath); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }

        public void Dispose()
        {
            Close();
        }
    }
}
