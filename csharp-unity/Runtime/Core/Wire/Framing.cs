using System;
using System.Collections.Generic;
using Rlay.Protocol;

namespace Rlay
{
    /// <summary>
    /// Frames: a u32 little-endian length followed by that many bytes of one serialized message.
    /// </summary>
    /// <example><code>
    /// byte[] buffer = null;
    /// int count = Framing.Encode(response, ref buffer);   // header + payload, buffer reused
    /// connection.SendFrame(buffer, 0, count);
    /// </code></example>
    public static class Framing
    {
        public const int HeaderSize = 4;

        /// <summary>256 MiB, as in the Python package.</summary>
        public const int DefaultMaxFrameSize = 256 * 1024 * 1024;

        /// <summary>
        /// Writes header and message into buffer (grown when too small, otherwise reused);
        /// returns the frame's total length.
        /// </summary>
        public static int Encode(IProtoMessage message, ref byte[] buffer)
        {
            int size = message.CalculateSize();
            int total = HeaderSize + size;
            if (buffer == null || buffer.Length < total) buffer = new byte[total];
            WriteHeader(buffer, 0, (uint)size);
            message.WriteFields(new ProtoWriter(buffer, HeaderSize, size));
            return total;
        }

        /// <summary>Byte runs from this size on are sent in place by <see cref="EncodeGather"/>.</summary>
        public const int GatherMinBytes = 64 * 1024;

        /// <summary>
        /// Encodes a frame as segments to send in order: the header and the message's small
        /// fields in <paramref name="buffer"/>, each bytes field of at least
        /// <see cref="GatherMinBytes"/> as a view of its own array (no copy). Returns the frame's
        /// total length. The views are valid while the message's arrays are unchanged.
        /// </summary>
        public static int EncodeGather(IProtoMessage message, ref byte[] buffer, List<ArraySegment<byte>> segments)
        {
            segments.Clear();
            int size = message.CalculateSize();
            int total = HeaderSize + size;
            if (buffer == null || buffer.Length < total) buffer = new byte[total];
            WriteHeader(buffer, 0, (uint)size);
            var writer = new ProtoWriter(buffer, HeaderSize, size);
            writer.StartGather(segments, 0, GatherMinBytes);
            message.WriteFields(writer);
            writer.FinishGather();
            return total;
        }

        /// <summary>A new array holding the whole frame.</summary>
        public static byte[] Encode(IProtoMessage message)
        {
            byte[] buffer = null;
            Encode(message, ref buffer);
            return buffer;
        }

        public static void WriteHeader(byte[] buffer, int offset, uint length)
        {
            buffer[offset] = (byte)length;
            buffer[offset + 1] = (byte)(length >> 8);
            buffer[offset + 2] = (byte)(length >> 16);
            buffer[offset + 3] = (byte)(length >> 24);
        }

        public static uint ReadHeader(byte[] buffer, int offset)
        {
            return (uint)(buffer[offset] | buffer[offset + 1] << 8 | buffer[offset + 2] << 16 |
                          buffer[offset + 3] << 24);
        }

        /// <summary>
        /// The payload length of a header, checked against maxFrameSize before anything is
        /// allocated: a larger length throws <see cref="FrameTooLargeException"/>.
        /// </summary>
        public static int CheckedLength(byte[] header, int offset, int maxFrameSize)
        {
            uint length = ReadHeader(header, offset);
            if (length > (uint)maxFrameSize) throw new FrameTooLargeException(length, maxFrameSize);
            return (int)length;
        }
    }
}
