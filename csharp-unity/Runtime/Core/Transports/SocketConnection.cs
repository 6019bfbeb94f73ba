using System;
using System.Collections.Generic;
using System.Net.Sockets;

namespace Rlay.Transports
{
    /// <summary>A framed connection over a stream socket (TCP or Unix domain).</summary>
    public sealed class SocketConnection : IConnection
    {
        readonly Socket socket;
        readonly byte[] header = new byte[Framing.HeaderSize];
        readonly object sendLock = new object();
        volatile bool closed;

        public SocketConnection(Socket socket, string peerAddress)
        {
            if (socket == null) throw new ArgumentNullException("socket");
            this.socket = socket;
            PeerAddress = peerAddress;
            MaxFrameSize = Framing.DefaultMaxFrameSize;
            if (socket.AddressFamily != AddressFamily.Unix) socket.NoDelay = true;
        }

        public string PeerAddress { get; private set; }

        public int MaxFrameSize { get; set; }

        public void SendFrame(byte[] frame, int offset, int count)
        {
            Sending(() => SendAll(frame, offset, count));
        }

        void SendAll(byte[] data, int offset, int count)
        {
            while (count > 0)
            {
                int sent = socket.Send(data, offset, count, SocketFlags.None);
                offset += sent;
                count -= sent;
            }
        }

        /// <summary>Runs a send under the send lock, turning socket failures into ConnectionClosedException.</summary>
        void Sending(Action send)
        {
            lock (sendLock)
            {
                try
                {
                    send();
                }
                catch (SocketException e)
                {
                    throw new ConnectionClosedException("connection to " + PeerAddress + " lost while sending: " + e.Message, e);
                }
                catch (ObjectDisposedException e)
                {
                    throw new ConnectionClosedException("connection to " + PeerAddress + " is closed", e);
                }
            }
        }

        public void SendFrame(IList<ArraySegment<byte>> segments)
        {
            Sending(() =>
            {
                int total = 0;
                foreach (ArraySegment<byte> segment in segments) total += segment.Count;
                int sent = socket.Send(segments, SocketFlags.None);
                if (sent >= total) return;
                // A partial gathered send (rare on a blocking socket): send the rest piece by piece.
                foreach (ArraySegment<byte> segment in segments)
                {
                    if (sent >= segment.Count)
                    {
                        sent -= segment.Count;
                        continue;
                    }
                    SendAll(segment.Array, segment.Offset + sent, segment.Count - sent);
                    sent = 0;
                }
            });
        }

        public byte[] ReceiveFrame(int idleTimeoutMs, int frameTimeoutMs)
        {
            WaitReadable(idleTimeoutMs, "the next frame");
            // One deadline for the whole frame: a peer trickling bytes cannot hold it open.
            Deadline deadline = Deadline.After(frameTimeoutMs);
            ReadExactly(header, 0, Framing.HeaderSize, deadline, frameTimeoutMs, true);
            int length = Framing.CheckedLength(header, 0, MaxFrameSize);
            byte[] payload = new byte[length];
            ReadExactly(payload, 0, length, deadline, frameTimeoutMs, false);
            return payload;
        }

        void WaitReadable(int timeoutMs, string what)
        {
            bool ready;
            try
            {
                ready = timeoutMs < 0 ? socket.Poll(-1, SelectMode.SelectRead) : PollMs(timeoutMs);
            }
            catch (ObjectDisposedException e)
            {
                throw new ConnectionClosedException("connection to " + PeerAddress + " is closed", e);
            }
            catch (SocketException e)
            {
                throw new ConnectionClosedException("connection to " + PeerAddress + " failed: " + e.Message, e);
            }
            if (!ready)
                throw new TimeoutException("no data from " + PeerAddress + " for " + timeoutMs + " ms while waiting for " + what);
        }

        bool PollMs(int timeoutMs)
        {
            // Poll takes microseconds in an int: wait in slices so long timeouts do not overflow.
            Deadline deadline = Deadline.After(timeoutMs);
            while (true)
            {
                long left = deadline.RemainingMs;
                if (left <= 0) return socket.Poll(0, SelectMode.SelectRead);
                int slice = (int)Math.Min(left, 1000);
                if (socket.Poll(slice * 1000, SelectMode.SelectRead)) return true;
            }
        }

        void ReadExactly(byte[] buffer, int offset, int count, Deadline deadline, int timeoutMs, bool atFrameStart)
        {
            int start = offset;
            while (count > 0)
            {
                WaitReadable(deadline.RemainingTimeoutMs, "the rest of a frame (" + timeoutMs + " ms allowed per frame)");
                int n;
                try
                {
                    n = socket.Receive(buffer, offset, count, SocketFlags.None);
                }
                catch (ObjectDisposedException e)
                {
                    throw new ConnectionClosedException("connection to " + PeerAddress + " is closed", e);
                }
                catch (SocketException e)
                {
                    throw new ConnectionClosedException("connection to " + PeerAddress + " failed: " + e.Message, e);
                }
                if (n == 0)
                {
                    bool clean = atFrameStart && offset == start;
                    throw new ConnectionClosedException(clean
                        ? "connection closed by " + PeerAddress
                        : "connection closed by " + PeerAddress + " in the middle of a frame");
                }
                offset += n;
                count -= n;
            }
        }

        public void Close()
        {
            if (closed) return;
            closed = true;
            try { socket.Shutdown(SocketShutdown.Both); }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
            socket.Close();
        }

        public void Dispose()
        {
            Close();
        }
    }
}
