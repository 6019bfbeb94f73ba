using System;
using System.Collections.Generic;
using Rlay.Protocol;

namespace Rlay
{
    /// <summary>
    /// Typed C# arrays to and from <see cref="Tensor"/> (dtype + shape + little-endian bytes).
    /// </summary>
    /// <remarks>
    /// Element types: bool, sbyte (int8), short, int, long, byte (uint8), ushort, uint, ulong,
    /// float, double. float16 has no C# type here: it travels from and to float arrays
    /// through <see cref="FromFloat16"/> and <see cref="ToFloat16Array"/>. The byte copies use
    /// Buffer.BlockCopy; all Unity targets are little-endian, as is the wire.
    /// <code>
    /// Tensor t = Tensors.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
    /// float[] back = Tensors.ToArray&lt;float&gt;(t);
    /// </code>
    /// </remarks>
    public static class Tensors
    {
        static readonly Dictionary<Type, Dtype> DtypeOfType = new Dictionary<Type, Dtype>
        {
            { typeof(bool), Dtype.Bool },
            { typeof(sbyte), Dtype.Int8 },
            { typeof(short), Dtype.Int16 },
            { typeof(int), Dtype.Int32 },
            { typeof(long), Dtype.Int64 },
            { typeof(byte), Dtype.Uint8 },
            { typeof(ushort), Dtype.Uint16 },
            { typeof(uint), Dtype.Uint32 },
            { typeof(ulong), Dtype.Uint64 },
            { typeof(float), Dtype.Float32 },
            { typeof(double), Dtype.Float64 },
        };

        static Tensors()
        {
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("rlay tensors need a little-endian platform");
        }

        /// <summary>The dtype of a C# element type; InvalidValueException for other types.</summary>
        public static Dtype DtypeOf(Type elementType)
        {
            Dtype dtype;
            if (!DtypeOfType.TryGetValue(elementType, out dtype))
                throw new InvalidValueException("no tensor dtype for element type " + elementType.Name);
            return dtype;
        }

        /// <summary>Bytes per element; InvalidValueException for an unknown dtype.</summary>
        public static int ItemSize(Dtype dtype)
        {
            switch (dtype)
            {
                case Dtype.Bool:
                case Dtype.Int8:
                case Dtype.Uint8:
                    return 1;
                case Dtype.Int16:
                case Dtype.Uint16:
                case Dtype.Float16:
                    return 2;
                case Dtype.Int32:
                case Dtype.Uint32:
                case Dtype.Float32:
                    return 4;
                case Dtype.Int64:
                case Dtype.Uint64:
                case Dtype.Float64:
                    return 8;
                default:
                    throw new InvalidValueException("unknown tensor dtype " + (int)dtype);
            }
        }

        /// <summary>Lower-case numpy name of a dtype ("float32"), for messages.</summary>
        public static string Name(Dtype dtype)
        {
            return dtype == Dtype.Unspecified ? "unspecified" : dtype.ToString().ToLowerInvariant();
        }

        /// <summary>Number of elements of a shape (1 for a scalar); InvalidValueException on a negative dimension.</summary>
        public static long ElementCount(IList<long> shape)
        {
            long count = 1;
            for (int i = 0; i < shape.Count; i++)
            {
                if (shape[i] < 0) throw new InvalidValueException("negative dimension in shape " + ShapeString(shape));
                count = checked(count * shape[i]);
            }
            return count;
        }

        public static string ShapeString(IList<long> shape)
        {
            if (shape.Count == 1) return "(" + shape[0] + ",)";
            string[] parts = new string[shape.Count];
            for (int i = 0; i < parts.Length; i++) parts[i] = shape[i].ToString();
            return "(" + string.Join(", ", parts) + ")";
        }

        /// <summary>A tensor holding a copy of data with the given shape (none given: 1-D of data's length).</summary>
        public static Tensor FromArray<T>(T[] data, params long[] shape) where T : struct
        {
            Tensor tensor = new Tensor();
            Fill(tensor, data, shape);
            return tensor;
        }

        /// <summary>A tensor holding a copy of data with exactly this shape (empty: a scalar).</summary>
        public static Tensor WithShape<T>(T[] data, long[] shape) where T : struct
        {
            Tensor tensor = new Tensor();
            FillShaped(tensor, data, shape ?? new long[0]);
            return tensor;
        }

        /// <summary>A 0-dimensional tensor (a numpy scalar).</summary>
        public static Tensor Scalar<T>(T value) where T : struct
        {
            return WithShape(new T[] { value }, new long[0]);
        }

        /// <summary>
        /// Fills tensor in place (dtype, shape, bytes), reusing its byte buffer when it has
        /// exactly the right size and is not a view into a parsed frame: steady-state steps
        /// then allocate nothing. No shape given: 1-D of data's length.
        /// </summary>
        public static void Fill<T>(Tensor tensor, T[] data, params long[] shape) where T : struct
        {
            if (data == null) throw new ArgumentNullException("data");
            FillShaped(tensor, data, shape == null || shape.Length == 0 ? new long[] { data.Length } : shape);
        }

        static void FillShaped<T>(Tensor tensor, T[] data, long[] shape) where T : struct
        {
            if (data == null) throw new ArgumentNullException("data");
            Dtype dtype = DtypeOf(typeof(T));
            SetShape(tensor, shape);
            CheckCount(tensor, data.Length);
            tensor.Dtype = dtype;
            int size = data.Length * ItemSize(dtype);
            byte[] buffer = Reusable(tensor, size);
            if (dtype == Dtype.Bool)
            {
                bool[] bools = (bool[])(object)data;
                for (int i = 0; i < bools.Length; i++) buffer[i] = bools[i] ? (byte)1 : (byte)0;
            }
            else
            {
                Buffer.BlockCopy(data, 0, buffer, 0, size);
            }
            tensor.SetData(buffer, 0, size);
        }

        /// <summary>A float16 tensor from float values (rounded to nearest even).</summary>
        public static Tensor FromFloat16(float[] data, params long[] shape)
        {
            return Float16WithShape(data, shape == null || shape.Length == 0 ? new long[] { data.Length } : shape);
        }

        /// <summary>A float16 tensor with exactly this shape (empty: a scalar).</summary>
        public static Tensor Float16WithShape(float[] data, long[] shape)
        {
            Tensor tensor = new Tensor();
            SetShape(tensor, shape);
            CheckCount(tensor, data.Length);
            tensor.Dtype = Dtype.Float16;
            byte[] buffer = Reusable(tensor, data.Length * 2);
            for (int i = 0; i < data.Length; i++)
            {
                ushort bits = Float16.FromFloat(data[i]);
                buffer[2 * i] = (byte)bits;
                buffer[2 * i + 1] = (byte)(bits >> 8);
            }
            tensor.SetData(buffer, 0, buffer.Length);
            return tensor;
        }

        /// <summary>A tensor of the given dtype from raw little-endian bytes (copied).</summary>
        public static Tensor FromBytes(Dtype dtype, byte[] data, params long[] shape)
        {
            Tensor tensor = new Tensor { Dtype = dtype };
            SetShape(tensor, shape);
            byte[] copy = new byte[data.Length];
            Buffer.BlockCopy(data, 0, copy, 0, data.Length);
            tensor.SetData(copy, 0, copy.Length);
            Validate(tensor);
            return tensor;
        }

        /// <summary>
        /// Checks that dtype is known, dimensions are non-negative and the byte count equals
        /// elements × itemsize; returns the element count. InvalidValueException otherwise.
        /// </summary>
        public static long Validate(Tensor tensor)
        {
            int itemSize = ItemSize(tensor.Dtype);
            long count = ElementCount(tensor.Shape);
            if (count * itemSize != tensor.DataSegment.Count)
                throw new InvalidValueException(
                    "tensor of dtype " + Name(tensor.Dtype) + " and shape " + ShapeString(tensor.Shape) +
                    " needs " + count * itemSize + " bytes, got " + tensor.DataSegment.Count);
            return count;
        }

        /// <summary>The elements as a new T[]; T must match the dtype exactly.</summary>
        public static T[] ToArray<T>(Tensor tensor) where T : struct
        {
            long count = Validate(tensor);
            T[] result = new T[count];
            CopyTo(tensor, result);
            return result;
        }

        /// <summary>Copies the elements into destination (at least as long); no allocation.</summary>
        public static void CopyTo<T>(Tensor tensor, T[] destination) where T : struct
        {
            Dtype dtype = DtypeOf(typeof(T));
            if (tensor.Dtype != dtype)
                throw new InvalidValueException("expected a tensor of dtype " + Name(dtype) + ", got " + Name(tensor.Dtype));
            long count = Validate(tensor);
            if (destination.Length < count)
                throw new ArgumentException("destination holds " + destination.Length + " elements, tensor has " + count);
            ArraySegment<byte> bytes = tensor.DataSegment;
            if (dtype == Dtype.Bool)
            {
                bool[] bools = (bool[])(object)destination;
                for (int i = 0; i < count; i++) bools[i] = bytes.Array[bytes.Offset + i] != 0;
            }
            else
            {
                Buffer.BlockCopy(bytes.Array, bytes.Offset, destination, 0, bytes.Count);
            }
        }

        /// <summary>A float16 tensor's elements as floats (exact).</summary>
        public static float[] ToFloat16Array(Tensor tensor)
        {
            if (tensor.Dtype != Dtype.Float16)
                throw new InvalidValueException("expected a tensor of dtype float16, got " + Name(tensor.Dtype));
            long count = Validate(tensor);
            ArraySegment<byte> bytes = tensor.DataSegment;
            float[] result = new float[count];
            for (int i = 0; i < count; i++)
                result[i] = Float16.ToFloat((ushort)(bytes.Array[bytes.Offset + 2 * i] | bytes.Array[bytes.Offset + 2 * i + 1] << 8));
            return result;
        }

        /// <summary>The shape as an array.</summary>
        public static long[] Shape(Tensor tensor)
        {
            return tensor.Shape.ToArray();
        }

        static void SetShape(Tensor tensor, long[] shape)
        {
            tensor.Shape.Clear();
            if (shape != null) tensor.Shape.AddRange(shape);
        }

        static void CheckCount(Tensor tensor, int length)
        {
            long expected = ElementCount(tensor.Shape);
            if (expected != length)
                throw new InvalidValueException(
                    "shape " + ShapeString(tensor.Shape) + " holds " + expected + " elements, the array has " + length);
        }

        static byte[] Reusable(Tensor tensor, int size)
        {
            ArraySegment<byte> current = tensor.DataSegment;
            if (current.Offset == 0 && current.Array.Length == size && size > 0 && owned.Contains(current.Array))
                return current.Array;
            byte[] buffer = size == 0 ? ProtoWriter.EmptyBytes : new byte[size];
            if (size > 0) owned.Add(buffer);
            return buffer;
        }

        // Buffers Tensors allocated itself: only those are overwritten in place, never an
        // array a caller handed to SetData or a frame a message was parsed from.
        static readonly ConditionalWeakSet owned = new ConditionalWeakSet();

        sealed class ConditionalWeakSet
        {
            readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], object> table =
                new System.Runtime.CompilerServices.ConditionalWeakTable<byte[], object>();

            static readonly object Marker = new object();

            public bool Contains(byte[] array)
            {
                object unused;
                return table.TryGetValue(array, out unused);
            }

            public void Add(byte[] array)
            {
                lock (table)
                {
                    object unused;
                    if (!table.TryGetValue(array, out unused)) table.Add(array, Marker);
                }
            }
        }
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit)]
    struct FloatBits
    {
        [System.Runtime.InteropServices.FieldOffset(0)] public float Float;
        [System.Runtime.InteropServices.FieldOffset(0)] public uint Bits;
    }

    /// <summary>IEEE 754 half precision conversions (round to nearest even).</summary>
    public static class Float16
    {
        public static ushort FromFloat(float value)
        {
            FloatBits union = new FloatBits();
            union.Float = value;
            uint bits = union.Bits;
            uint sign = (bits >> 16) & 0x8000;
            int exponent = (int)((bits >> 23) & 0xFF);
            uint mantissa = bits & 0x7FFFFF;
            if (exponent == 0xFF)
                return (ushort)(sign | 0x7C00 | (mantissa != 0 ? 0x200 | (mantissa >> 13) : 0));
            int e = exponent - 127 + 15;
            if (e >= 0x1F) return (ushort)(sign | 0x7C00);
            if (e <= 0)
            {
                if (e < -10) return (ushort)sign;
                mantissa |= 0x800000;
                int shift = 14 - e;
                uint half = mantissa >> shift;
                uint rest = mantissa & ((1u << shift) - 1);
                uint midpoint = 1u << (shift - 1);
                if (rest > midpoint || (rest == midpoint && (half & 1) != 0)) half++;
                return (ushort)(sign | half);
            }
            uint result = sign | ((uint)e << 10) | (mantissa >> 13);
            uint remainder = mantissa & 0x1FFF;
            if (remainder > 0x1000 || (remainder == 0x1000 && (result & 1) != 0)) result++;
            return (ushort)result;
        }

        public static float ToFloat(ushort half)
        {
            int sign = (half >> 15) & 1;
            int exponent = (half >> 10) & 0x1F;
            int mantissa = half & 0x3FF;
            float value;
            if (exponent == 0) value = mantissa * (1f / 16777216f);
            else if (exponent == 0x1F) value = mantissa == 0 ? float.PositiveInfinity : float.NaN;
            else value = (1f + mantissa / 1024f) * (float)Math.Pow(2, exponent - 15);
            return sign != 0 ? -value : value;
        }
    }
}
