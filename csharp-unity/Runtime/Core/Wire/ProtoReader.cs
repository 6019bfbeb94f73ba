using System;
using System.Text;

namespace Rlay.Protocol
{
    /// <summary>
    /// Reads protobuf wire primitives from a byte array, without copying it.
    /// </summary>
    /// <remarks>
    /// Every malformed input (truncated varint, length past the end, bad wire type,
    /// nesting deeper than <see cref="MaxDepth"/>, invalid UTF-8) raises
    /// <see cref="Rlay.ProtocolException"/>; nothing reads outside the given range.
    /// <code>
    /// Tensor t = Tensor.ReadFrom(new ProtoReader(frame, 0, frame.Length));
    /// </code>
    /// </remarks>
    public sealed class ProtoReader
    {
        /// <summary>Deepest message nesting accepted (a hostile frame cannot overflow the stack).</summary>
        public const int MaxDepth = 100;

        static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        readonly byte[] buffer;
        int position;
        int limit;
        int depth;

        public ProtoReader(byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            if (offset < 0 || count < 0 || offset > buffer.Length - count)
                throw new ArgumentOutOfRangeException("count");
            this.buffer = buffer;
            position = offset;
            limit = offset + count;
        }

        /// <summary>The array being read; bytes fields of parsed messages may refer into it.</summary>
        public byte[] Buffer { get { return buffer; } }

        public int Position { get { return position; } }

        public bool IsAtLimit { get { return position >= limit; } }

        static Rlay.ProtocolException Malformed(string what)
        {
            return new Rlay.ProtocolException("malformed protobuf: " + what);
        }

        /// <summary>The next field's tag, or 0 at the current limit.</summary>
        public uint ReadTag()
        {
            if (position >= limit) return 0;
            ulong tag = ReadVarint64();
            if (tag > uint.MaxValue || (tag >> 3) == 0)
                throw Malformed("invalid tag " + tag);
            return (uint)tag;
        }

        public ulong ReadVarint64()
        {
            ulong result = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (position >= limit) throw Malformed("truncated varint");
                byte b = buffer[position++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return result;
            }
            throw Malformed("varint longer than 10 bytes");
        }

        public bool ReadBool()
        {
            return ReadVarint64() != 0;
        }

        public long ReadInt64()
        {
            return (long)ReadVarint64();
        }

        /// <summary>uint32 keeps the low 32 bits of the varint, as protobuf parsers do.</summary>
        public uint ReadUInt32()
        {
            return (uint)ReadVarint64();
        }

        public ulong ReadUInt64()
        {
            return ReadVarint64();
        }

        public int ReadEnum()
        {
            return (int)ReadVarint64();
        }

        public ulong ReadFixed64()
        {
            if (limit - position < 8) throw Malformed("truncated fixed64");
            ulong result = 0;
            for (int i = 7; i >= 0; i--) result = (result << 8) | buffer[position + i];
            position += 8;
            return result;
        }

        public double ReadDouble()
        {
            return BitConverter.Int64BitsToDouble((long)ReadFixed64());
        }

        public uint ReadFixed32()
        {
            if (limit - position < 4) throw Malformed("truncated fixed32");
            uint result = (uint)(buffer[position] | buffer[position + 1] << 8 |
                                 buffer[position + 2] << 16 | buffer[position + 3] << 24);
            position += 4;
            return result;
        }

        /// <summary>A length prefix, checked against the bytes left before the limit.</summary>
        public int ReadLength()
        {
            ulong length = ReadVarint64();
            if (length > (ulong)(limit - position))
                throw Malformed("length " + length + " exceeds the " + (limit - position) + " bytes left");
            return (int)length;
        }

        public string ReadString()
        {
            int count = ReadLength();
            string value;
            try
            {
                value = StrictUtf8.GetString(buffer, position, count);
            }
            catch (ArgumentException)
            {
                throw Malformed("string field is not valid UTF-8");
            }
            position += count;
            return value;
        }

        /// <summary>A bytes field, copied into a new array.</summary>
        public byte[] ReadBytes()
        {
            int count = ReadLength();
            if (count == 0) return ProtoWriter.EmptyBytes;
            byte[] copy = new byte[count];
            System.Buffer.BlockCopy(buffer, position, copy, 0, count);
            position += count;
            return copy;
        }

        /// <summary>Skips count bytes (already checked by ReadLength).</summary>
        public void Advance(int count)
        {
            if (count < 0 || count > limit - position) throw Malformed("skip past the end");
            position += count;
        }

        /// <summary>Limits reading to the next length bytes; returns the limit to restore.</summary>
        public int PushLimit(int length)
        {
            if (length < 0 || length > limit - position) throw Malformed("length past the end");
            int old = limit;
            limit = position + length;
            return old;
        }

        public void PopLimit(int oldLimit)
        {
            if (position != limit) throw Malformed("field overran its length");
            limit = oldLimit;
        }

        /// <summary>Reads one length-delimited sub-message into message.</summary>
        public void ReadMessage(IProtoMessage message)
        {
            int length = ReadLength();
            if (++depth > MaxDepth) throw Malformed("messages nested deeper than " + MaxDepth);
            int old = PushLimit(length);
            message.MergeFrom(this);
            PopLimit(old);
            depth--;
        }

        /// <summary>Skips the value of a field with this tag (unknown fields are ignored).</summary>
        public void SkipField(uint tag)
        {
            switch (tag & 7)
            {
                case 0:
                    ReadVarint64();
                    break;
                case 1:
                    ReadFixed64();
                    break;
                case 2:
                    Advance(ReadLength());
                    break;
                case 5:
                    ReadFixed32();
                    break;
                case 3:
                    SkipGroup(tag >> 3);
                    break;
                default:
                    throw Malformed("wire type " + (tag & 7) + " of field " + (tag >> 3));
            }
        }

        void SkipGroup(uint fieldNumber)
        {
            if (++depth > MaxDepth) throw Malformed("groups nested deeper than " + MaxDepth);
            while (true)
            {
                uint tag = ReadTag();
                if (tag == 0) throw Malformed("unterminated group " + fieldNumber);
                if ((tag & 7) == 4)
                {
                    if (tag >> 3 != fieldNumber) throw Malformed("mismatched end of group");
                    break;
                }
                SkipField(tag);
            }
            depth--;
        }
    }
}
