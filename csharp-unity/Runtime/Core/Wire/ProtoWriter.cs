using System;
using System.Text;

namespace Rlay.Protocol
{
    /// <summary>
    /// Writes protobuf wire primitives into a caller-provided buffer.
    /// </summary>
    /// <remarks>
    /// The generated code sizes a message first (CalculateSize) and hands the writer
    /// a buffer with exactly that much room, so the writer never grows or reallocates.
    /// Writing past the end throws <see cref="InvalidOperationException"/>.
    /// <code>
    /// byte[] buffer = new byte[message.CalculateSize()];
    /// message.WriteFields(new ProtoWriter(buffer, 0, buffer.Length));
    /// </code>
    /// </remarks>
    public sealed class ProtoWriter
    {
        public static readonly byte[] EmptyBytes = new byte[0];
        static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);

        byte[] buffer;
        int position;
        int limit;
        System.Collections.Generic.List<ArraySegment<byte>> gather;
        int gatherFrom;
        int gatherMin;

        public ProtoWriter(byte[] buffer, int offset, int count)
        {
            Reset(buffer, offset, count);
        }

        /// <summary>Points the writer at another buffer region (lets callers reuse one writer).</summary>
        public void Reset(byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            if (offset < 0 || count < 0 || offset > buffer.Length - count)
                throw new ArgumentOutOfRangeException("count");
            this.buffer = buffer;
            position = offset;
            limit = offset + count;
            gather = null;
        }

        /// <summary>
        /// Gather mode: raw byte runs of at least <paramref name="minBytes"/> are not copied into
        /// the buffer but referenced in <paramref name="segments"/>, between the buffer's own
        /// pieces; <see cref="FinishGather"/> adds the last piece. Sending the segments in order
        /// (scatter-gather) sends the message without copying its large tensors.
        /// </summary>
        public void StartGather(System.Collections.Generic.List<ArraySegment<byte>> segments, int from, int minBytes)
        {
            if (segments == null) throw new ArgumentNullException("segments");
            gather = segments;
            gatherFrom = from;
            gatherMin = Math.Max(1, minBytes);
        }

        /// <summary>Adds the buffer's last piece to the gathered segments and leaves gather mode.</summary>
        public void FinishGather()
        {
            if (gather == null) return;
            if (position > gatherFrom) gather.Add(new ArraySegment<byte>(buffer, gatherFrom, position - gatherFrom));
            gather = null;
        }

        public int Position { get { return position; } }

        public int Remaining { get { return limit - position; } }

        void CheckRoom(int needed)
        {
            if (limit - position < needed)
                throw new InvalidOperationException(
                    "ProtoWriter: " + needed + " bytes do not fit in the " + (limit - position) +
                    " remaining; was the message changed after CalculateSize?");
        }

        public void WriteTag(uint tag)
        {
            WriteVarint32(tag);
        }

        public void WriteVarint32(uint value)
        {
            CheckRoom(SizeOfUInt32(value));
            while (value >= 0x80)
            {
                buffer[position++] = (byte)(value | 0x80);
                value >>= 7;
            }
            buffer[position++] = (byte)value;
        }

        public void WriteVarint64(ulong value)
        {
            CheckRoom(SizeOfUInt64(value));
            while (value >= 0x80)
            {
                buffer[position++] = (byte)(value | 0x80);
                value >>= 7;
            }
            buffer[position++] = (byte)value;
        }

        public void WriteLength(int length)
        {
            WriteVarint32((uint)length);
        }

        public void WriteBool(bool value)
        {
            CheckRoom(1);
            buffer[position++] = value ? (byte)1 : (byte)0;
        }

        public void WriteInt64(long value)
        {
            WriteVarint64((ulong)value);
        }

        public void WriteUInt32(uint value)
        {
            WriteVarint32(value);
        }

        public void WriteUInt64(ulong value)
        {
            WriteVarint64(value);
        }

        /// <summary>Enums are int32 on the wire: negative values sign-extend to ten bytes.</summary>
        public void WriteEnum(int value)
        {
            WriteVarint64((ulong)(long)value);
        }

        public void WriteFixed64(ulong value)
        {
            CheckRoom(8);
            for (int i = 0; i < 8; i++)
            {
                buffer[position++] = (byte)value;
                value >>= 8;
            }
        }

        public void WriteDouble(double value)
        {
            WriteFixed64((ulong)BitConverter.DoubleToInt64Bits(value));
        }

        public void WriteString(string value)
        {
            int count = Utf8.GetByteCount(value);
            WriteLength(count);
            CheckRoom(count);
            position += Utf8.GetBytes(value, 0, value.Length, buffer, position);
        }

        public void WriteBytes(byte[] source, int offset, int count)
        {
            WriteLength(count);
            WriteRaw(source, offset, count);
        }

        /// <summary>Copies bytes as they are (no length prefix).</summary>
        public void WriteRaw(byte[] source, int offset, int count)
        {
            CheckRoom(count);
            if (gather != null && count >= gatherMin)
            {
                // Referenced, not copied: the caller sends the source bytes in place.
                if (position > gatherFrom) gather.Add(new ArraySegment<byte>(buffer, gatherFrom, position - gatherFrom));
                gather.Add(new ArraySegment<byte>(source, offset, count));
                gatherFrom = position;
                limit -= count; // the message's size still counts them; the buffer holds fewer bytes
                return;
            }
            Buffer.BlockCopy(source, offset, buffer, position, count);
            position += count;
        }

        public static int SizeOfUInt32(uint value)
        {
            if (value < 1u << 7) return 1;
            if (value < 1u << 14) return 2;
            if (value < 1u << 21) return 3;
            if (value < 1u << 28) return 4;
            return 5;
        }

        public static int SizeOfUInt64(ulong value)
        {
            int size = 1;
            while (value >= 0x80)
            {
                value >>= 7;
                size++;
            }
            return size;
        }

        public static int SizeOfInt64(long value)
        {
            return SizeOfUInt64((ulong)value);
        }

        public static int SizeOfEnum(int value)
        {
            return value < 0 ? 10 : SizeOfUInt32((uint)value);
        }

        public static int SizeOfLength(int length)
        {
            return SizeOfUInt32((uint)length);
        }

        /// <summary>Length prefix plus UTF-8 bytes.</summary>
        public static int SizeOfString(string value)
        {
            int count = Utf8.GetByteCount(value);
            return SizeOfLength(count) + count;
        }

        /// <summary>Length prefix plus the bytes.</summary>
        public static int SizeOfBytes(int count)
        {
            return SizeOfLength(count) + count;
        }

        /// <summary>Length prefix plus a message of the given size.</summary>
        public static int SizeOfMessage(int size)
        {
            return SizeOfLength(size) + size;
        }
    }
}
