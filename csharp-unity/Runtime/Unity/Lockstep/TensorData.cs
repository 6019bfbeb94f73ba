// Engine-independent: no UnityEngine here, so it is unit-tested under plain Mono.
using System;
using System.Collections.Generic;
using Rlay.Protocol;

namespace Rlay.Unity
{
    /// <summary>
    /// Reads and writes single elements of tensor bytes (little-endian,
    /// C order), whatever the dtype. Used by the observation and action
    /// helpers, which work element by element on small vectors.
    /// </summary>
    public static class TensorData
    {
        /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
        /// <exception cref="InvalidValueException">The dtype is unspecified or unknown.</exception>
        public static int ItemSize(Dtype dtype)
        {
            return Tensors.ItemSize(dtype);
        }

        /// <summary>True for float16, float32 and float64.</summary>
        public static bool IsFloating(Dtype dtype)
        {
            return dtype == Dtype.Float16 || dtype == Dtype.Float32 || dtype == Dtype.Float64;
        }

        /// <summary>Number of elements of a shape (1 for a scalar).</summary>
        public static long Count(IList<long> shape)
        {
            return Tensors.ElementCount(shape);
        }

        public static bool SameShape(IList<long> a, IList<long> b)
        {
            if (a.Count != b.Count)
                return false;
            for (int i = 0; i < a.Count; i++)
                if (a[i] != b[i])
                    return false;
            return true;
        }

        /// <summary>Python-style text of a shape, e.g. "(3,)" or "(2, 4)".</summary>
        public static string ShapeText(IList<long> shape)
        {
            return Tensors.ShapeString(shape);
        }

        /// <summary>A zero-filled tensor of this dtype and shape.</summary>
        public static Tensor Zeros(Dtype dtype, IList<long> shape)
        {
            var tensor = new Tensor { Dtype = dtype };
            tensor.Shape.AddRange(shape);
            var data = new byte[Count(shape) * ItemSize(dtype)];
            tensor.SetData(data, 0, data.Length);
            return tensor;
        }

        /// <summary>A float64 [N] tensor (rewards).</summary>
        public static Tensor Float64(double[] values)
        {
            var tensor = new Tensor { Dtype = Dtype.Float64 };
            tensor.Shape.Add(values.Length);
            var data = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++)
                Write(data, Dtype.Float64, i, values[i]);
            tensor.SetData(data, 0, data.Length);
            return tensor;
        }

        /// <summary>A bool [N] tensor (terminated, truncated).</summary>
        public static Tensor Bools(bool[] values)
        {
            var tensor = new Tensor { Dtype = Dtype.Bool };
            tensor.Shape.Add(values.Length);
            var data = new byte[values.Length];
            for (int i = 0; i < values.Length; i++)
                data[i] = values[i] ? (byte)1 : (byte)0;
            tensor.SetData(data, 0, data.Length);
            return tensor;
        }

        /// <summary>Element <paramref name="index"/> as a double, whatever the dtype.</summary>
        public static double ReadDouble(Tensor tensor, int index)
        {
            ArraySegment<byte> bytes = tensor.DataSegment;
            return ReadDouble(bytes.Array, bytes.Offset, tensor.Dtype, index);
        }

        /// <summary>Element <paramref name="index"/> as a long (floats truncate toward zero).</summary>
        public static long ReadLong(Tensor tensor, int index)
        {
            ArraySegment<byte> bytes = tensor.DataSegment;
            return ReadLong(bytes.Array, bytes.Offset, tensor.Dtype, index);
        }

        public static double ReadDouble(byte[] data, int offset, Dtype dtype, int index)
        {
            int at = offset + index * ItemSize(dtype);
            switch (dtype)
            {
                case Dtype.Float16:
                    return Float16.ToFloat((ushort)(data[at] | data[at + 1] << 8));
                case Dtype.Float32:
                    return BitConverter.ToSingle(LittleEndian(data, at, 4), 0);
                case Dtype.Float64:
                    return BitConverter.ToDouble(LittleEndian(data, at, 8), 0);
                case Dtype.Uint64:
                    return (double)(ulong)ReadLong(data, offset, dtype, index);
                default:
                    return ReadLong(data, offset, dtype, index);
            }
        }

        public static long ReadLong(byte[] data, int offset, Dtype dtype, int index)
        {
            int size = ItemSize(dtype);
            int at = offset + index * size;
            if (IsFloating(dtype))
                return (long)ReadDouble(data, offset, dtype, index);
            ulong raw = 0;
            for (int b = size - 1; b >= 0; b--)
                raw = raw << 8 | data[at + b];
            switch (dtype)
            {
                case Dtype.Int8: return (sbyte)raw;
                case Dtype.Int16: return (short)raw;
                case Dtype.Int32: return (int)raw;
                default: return (long)raw;
            }
        }

        /// <summary>Store <paramref name="value"/> as element <paramref name="index"/> of this dtype.</summary>
        public static void Write(byte[] data, Dtype dtype, int index, double value)
        {
            int at = index * ItemSize(dtype);
            switch (dtype)
            {
                case Dtype.Float16:
                    ushort half = Float16.FromFloat((float)value);
                    data[at] = (byte)half;
                    data[at + 1] = (byte)(half >> 8);
                    return;
                case Dtype.Float32:
                    Copy(BitConverter.GetBytes((float)value), data, at);
                    return;
                case Dtype.Float64:
                    Copy(BitConverter.GetBytes(value), data, at);
                    return;
                case Dtype.Bool:
                    data[at] = value != 0 ? (byte)1 : (byte)0;
                    return;
                default:
                    Write(data, dtype, index, (long)value);
                    return;
            }
        }

        /// <summary>Store an integer as element <paramref name="index"/> of this dtype.</summary>
        public static void Write(byte[] data, Dtype dtype, int index, long value)
        {
            if (IsFloating(dtype))
            {
                Write(data, dtype, index, (double)value);
                return;
            }
            int size = ItemSize(dtype);
            int at = index * size;
            if (dtype == Dtype.Bool)
                value = value != 0 ? 1 : 0;
            ulong raw = (ulong)value;
            for (int b = 0; b < size; b++)
            {
                data[at + b] = (byte)raw;
                raw >>= 8;
            }
        }

        static void Copy(byte[] bytes, byte[] data, int at)
        {
            if (!BitConverter.IsLittleEndian)
                Array.Reverse(bytes);
            Buffer.BlockCopy(bytes, 0, data, at, bytes.Length);
        }

        static byte[] LittleEndian(byte[] data, int at, int size)
        {
            var bytes = new byte[size];
            Buffer.BlockCopy(data, at, bytes, 0, size);
            if (!BitConverter.IsLittleEndian)
                Array.Reverse(bytes);
            return bytes;
        }
    }
}
