using System;
using System.Collections;
using System.Collections.Generic;
using Rlay.Protocol;

namespace Rlay
{
    /// <summary>Ordered (key, space) pairs for <see cref="Spaces.Dict"/>; keeps insertion order.</summary>
    /// <example><code>
    /// Space obs = Spaces.Dict(new SpaceDict {
    ///     { "position", Spaces.Box(-10f, 10f, 3) },
    ///     { "lives", Spaces.Discrete(4) },
    /// });
    /// </code></example>
    public sealed class SpaceDict : IEnumerable<KeyValuePair<string, Space>>
    {
        readonly List<KeyValuePair<string, Space>> entries = new List<KeyValuePair<string, Space>>();

        public void Add(string key, Space space)
        {
            foreach (KeyValuePair<string, Space> entry in entries)
                if (entry.Key == key) throw new ArgumentException("duplicate Dict key '" + key + "'");
            entries.Add(new KeyValuePair<string, Space>(key, space));
        }

        public int Count { get { return entries.Count; } }

        public IEnumerator<KeyValuePair<string, Space>> GetEnumerator()
        {
            return entries.GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }
    }

    /// <summary>
    /// Builders for every Gymnasium space the protocol describes, producing <see cref="Space"/>.
    /// </summary>
    /// <remarks>
    /// Each builder mirrors the Gymnasium constructor of the same name, so that the Python
    /// side rebuilds an equal space:
    /// <code>
    /// Spaces.Box(-1f, 1f, 2)                       // Box(-1, 1, (2,), float32)
    /// Spaces.Box(Dtype.Uint8, 0, 255, 84, 84, 3)    // Box(0, 255, (84, 84, 3), uint8)
    /// Spaces.Discrete(5, -2)                        // Discrete(5, start=-2)
    /// Spaces.MultiDiscrete(new long[] { 3, 4 })     // MultiDiscrete([3, 4])
    /// Spaces.Tuple(Spaces.Discrete(2), Spaces.Box(0f, 1f))
    /// </code>
    /// </remarks>
    public static class Spaces
    {
        /// <summary>Digits, then upper-case and lower-case ASCII letters: a default Text charset.</summary>
        public const string Alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

        /// <summary>A float32 Box with the same bounds for every element (shape () when none given).</summary>
        public static Space Box(float low, float high, params long[] shape)
        {
            long count = Tensors.ElementCount(shape);
            float[] lows = new float[count];
            float[] highs = new float[count];
            for (long i = 0; i < count; i++)
            {
                lows[i] = low;
                highs[i] = high;
            }
            return Box(Tensors.WithShape(lows, shape), Tensors.WithShape(highs, shape));
        }

        /// <summary>
        /// A Box of any dtype with bounds broadcast to every element. Integer dtypes take the
        /// bounds as exact integers (use <see cref="Box(Tensor, Tensor)"/> for uint64 above 2^63).
        /// </summary>
        public static Space Box(Dtype dtype, double low, double high, params long[] shape)
        {
            return Box(Broadcast(dtype, low, shape), Broadcast(dtype, high, shape));
        }

        /// <summary>A Box with per-element bounds: low and high share dtype and shape.</summary>
        public static Space Box(Tensor low, Tensor high)
        {
            Tensors.Validate(low);
            Tensors.Validate(high);
            if (low.Dtype != high.Dtype || !SameShape(low.Shape, high.Shape))
                throw new InvalidValueException("Box bounds differ in dtype or shape");
            BoxSpace box = new BoxSpace { Dtype = low.Dtype, Low = low, High = high };
            box.Shape.AddRange(low.Shape);
            return new Space { Box = box };
        }

        /// <summary>A float32 Box with per-element bounds of the given shape (none given: 1-D).</summary>
        public static Space Box(float[] low, float[] high, params long[] shape)
        {
            return Box(Tensors.FromArray(low, shape), Tensors.FromArray(high, shape));
        }

        /// <summary>Discrete(n, start): the integers start .. start + n - 1 (dtype int64).</summary>
        public static Space Discrete(long n, long start = 0)
        {
            if (n <= 0) throw new InvalidValueException("Discrete needs n > 0, got " + n);
            return new Space { Discrete = new DiscreteSpace { N = n, Start = start, Dtype = Dtype.Int64 } };
        }

        /// <summary>MultiDiscrete(nvec, start) with int64 elements; shape defaults to 1-D.</summary>
        public static Space MultiDiscrete(long[] nvec, long[] start = null, long[] shape = null)
        {
            long[] s = shape ?? new long[] { nvec.Length };
            long[] st = start ?? new long[nvec.Length];
            if (st.Length != nvec.Length) throw new InvalidValueException("MultiDiscrete start and nvec differ in length");
            foreach (long n in nvec)
                if (n <= 0) throw new InvalidValueException("MultiDiscrete needs every nvec > 0");
            return new Space
            {
                MultiDiscrete = new MultiDiscreteSpace { Nvec = Tensors.FromArray(nvec, s), Start = Tensors.FromArray(st, s) },
            };
        }

        /// <summary>MultiBinary(shape): int8 zeros and ones.</summary>
        public static Space MultiBinary(params long[] shape)
        {
            MultiBinarySpace space = new MultiBinarySpace();
            space.Shape.AddRange(shape);
            Tensors.ElementCount(shape);
            return new Space { MultiBinary = space };
        }

        /// <summary>Text(max_length, min_length, charset); charset characters keep their order.</summary>
        public static Space Text(long maxLength, long minLength = 1, string charset = Alphanumeric)
        {
            if (minLength < 0 || maxLength < minLength)
                throw new InvalidValueException("Text needs 0 <= min_length <= max_length");
            return new Space { Text = new TextSpace { MinLength = minLength, MaxLength = maxLength, Charset = charset } };
        }

        public static Space Tuple(params Space[] spaces)
        {
            TupleSpace tuple = new TupleSpace();
            tuple.Spaces.AddRange(spaces);
            return new Space { Tuple = tuple };
        }

        /// <summary>Dict with keys in the order given.</summary>
        public static Space Dict(SpaceDict entries)
        {
            DictSpace dict = new DictSpace();
            foreach (KeyValuePair<string, Space> entry in entries)
                dict.Entries.Add(new DictSpaceEntry { Key = entry.Key, Space = entry.Value });
            return new Space { Dict = dict };
        }

        public static Space Sequence(Space featureSpace, bool stack = false)
        {
            return new Space { Sequence = new SequenceSpace { FeatureSpace = featureSpace, Stack = stack } };
        }

        /// <summary>Graph(node_space, edge_space); edgeSpace null when edges have no features.</summary>
        public static Space Graph(Space nodeSpace, Space edgeSpace = null)
        {
            return new Space { Graph = new GraphSpace { NodeSpace = nodeSpace, EdgeSpace = edgeSpace } };
        }

        public static Space OneOf(params Space[] spaces)
        {
            OneOfSpace oneOf = new OneOfSpace();
            oneOf.Spaces.AddRange(spaces);
            return new Space { OneOf = oneOf };
        }

        /// <summary>A tensor of dtype and shape with every element equal to value.</summary>
        public static Tensor Broadcast(Dtype dtype, double value, long[] shape)
        {
            long count = Tensors.ElementCount(shape);
            try
            {
                return BroadcastChecked(dtype, value, shape, count);
            }
            catch (OverflowException)
            {
                throw new InvalidValueException("bound " + value + " does not fit dtype " + Tensors.Name(dtype) +
                                                " (give int64/uint64 extremes as tensors)");
            }
        }

        static Tensor BroadcastChecked(Dtype dtype, double value, long[] shape, long count)
        {
            switch (dtype)
            {
                case Dtype.Bool: return Tensors.WithShape(Fill(count, value != 0), shape);
                case Dtype.Int8: return Tensors.WithShape(Fill(count, checked((sbyte)value)), shape);
                case Dtype.Int16: return Tensors.WithShape(Fill(count, checked((short)value)), shape);
                case Dtype.Int32: return Tensors.WithShape(Fill(count, checked((int)value)), shape);
                case Dtype.Int64: return Tensors.WithShape(Fill(count, checked((long)value)), shape);
                case Dtype.Uint8: return Tensors.WithShape(Fill(count, checked((byte)value)), shape);
                case Dtype.Uint16: return Tensors.WithShape(Fill(count, checked((ushort)value)), shape);
                case Dtype.Uint32: return Tensors.WithShape(Fill(count, checked((uint)value)), shape);
                case Dtype.Uint64: return Tensors.WithShape(Fill(count, checked((ulong)value)), shape);
                case Dtype.Float16: return Tensors.Float16WithShape(Fill(count, (float)value), shape);
                case Dtype.Float32: return Tensors.WithShape(Fill(count, (float)value), shape);
                case Dtype.Float64: return Tensors.WithShape(Fill(count, value), shape);
                default: throw new InvalidValueException("unknown dtype " + (int)dtype);
            }
        }

        static T[] Fill<T>(long count, T value)
        {
            T[] array = new T[count];
            for (long i = 0; i < count; i++) array[i] = value;
            return array;
        }

        internal static bool SameShape(IList<long> a, IList<long> b)
        {
            if (a.Count != b.Count) return false;
            for (int i = 0; i < a.Count; i++)
                if (a[i] != b[i]) return false;
            return true;
        }
    }
}
