using System;

namespace Rlay.Transports
{
    /// <summary>
    /// One framed byte stream between the agent side and the env side.
    /// </summary>
    public interface IConnection : IDisposable
    {
        /// <summary>Who is at the other end, for messages.</summary>
        string PeerAddress { get; }

        /// <summary>Largest payload ReceiveFrame accepts; default <see cref="Framing.DefaultMaxFrameSize"/>.</summary>
        int MaxFrameSize { get; set; }

        /// <summary>
        /// Sends count bytes of frame from offset as they are: the caller has written the
        /// 4-byte header (see <see cref="Framing.Encode(Rlay.Protocol.IProtoMessage, ref byte[])"/>).
        /// </summary>
        void SendFrame(byte[] frame, int offset, int count);

        /// <summary>Sends one frame given as segments in order (scatter-gather: large tensors in place).</summary>
        void SendFrame(System.Collections.Generic.IList<ArraySegment<byte>> segments);

        /// <summary>
        /// The payload of the next frame. Waits at most idleTimeoutMs for it to begin (negative:
        /// no limit) and at most frameTimeoutMs for the rest once it has begun. Throws
        /// <see cref="TimeoutException"/>, <see cref="ConnectionClosedException"/> or
        /// <see cref="FrameTooLargeException"/> (before allocating the payload).
        /// </summary>
        byte[] ReceiveFrame(int idleTimeoutMs, int frameTimeoutMs);

        void Close();
    }

    /// <summary>Accepts connections on a bound address.</summary>
    public interface IListener : IDisposable
    {
        /// <summary>The bound address (with the real port when port 0 was asked for).</summary>
        Address Address { get; }

        /// <summary>The next connection; throws <see cref="TimeoutException"/> after timeoutMs (negative: no limit).</summary>
        IConnection Accept(int timeoutMs);

        void Close();
    }
}
