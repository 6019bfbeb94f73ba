// Engine-independent: no UnityEngine here, so it is unit-tested under plain Mono.
// Unity types (Vector3, Quaternion, textures) are added by UnityWriterExtensions.
using System;
using System.Collections.Generic;
using Rlay.Protocol;

namespace Rlay.Unity
{
    /// <summary>
    /// Builds one element of a space, value by value: what an agent writes
    /// in <c>CollectObservations</c> (an <see cref="ObservationWriter"/>) or
    /// in <c>Heuristic</c> (an <see cref="ActionWriter"/>).
    /// </summary>
    /// <example>
    /// <code>
    /// // Box(shape=(4,), float32)
    /// obs.Add(cartPosition); obs.Add(cartVelocity); obs.Add(angle); obs.Add(angularVelocity);
    /// // Dict({"pos": Box(3), "hp": Discrete(101)})
    /// obs["pos"].Add(transform.position); obs["hp"].SetDiscrete(health);
    /// </code>
    /// </example>
    public class SpaceWriter
    {
        readonly Space space;
        readonly string path;
        readonly bool requireAll;
        readonly Dictionary<string, SpaceWriter> children = new Dictionary<string, SpaceWriter>();
        readonly Dtype dtype;
        readonly byte[] data;
        readonly int capacity;
        int written;
        bool set;
        long discrete;
        Value raw;

        internal SpaceWriter(Space space, string path, bool requireAll)
        {
            if (space == null || space.KindCase == Space.KindOneofCase.None)
                throw new UnsupportedSpaceException(path + ": no space declared");
            this.space = space;
            this.path = path;
            this.requireAll = requireAll;
            List<long> shape = TensorShape(space);
            if (shape != null)
            {
                dtype = TensorDtype(space);
                capacity = (int)TensorData.Count(shape);
                data = new byte[capacity * TensorData.ItemSize(dtype)];
            }
            if (space.KindCase == Space.KindOneofCase.Discrete)
                discrete = space.Discrete.Start;
        }

        /// <summary>The space this writer fills.</summary>
        public Space Space { get { return space; } }

        /// <summary>How many numbers a tensor space takes (0 for other spaces).</summary>
        public int Capacity { get { return capacity; } }

        /// <summary>How many numbers were added so far.</summary>
        public int Count { get { return written; } }

        /// <summary>Append a number to a Box, MultiDiscrete or MultiBinary element (converted to its dtype).</summary>
        /// <exception cref="InvalidValueException">The space is not a tensor space, or it is full.</exception>
        public SpaceWriter Add(double value)
        {
            Reserve(1);
            TensorData.Write(data, dtype, written++, value);
            return this;
        }

        public SpaceWriter Add(float value) { return Add((double)value); }

        public SpaceWriter Add(int value) { return Add((long)value); }

        public SpaceWriter Add(long value)
        {
            Reserve(1);
            TensorData.Write(data, dtype, written++, value);
            return this;
        }

        public SpaceWriter Add(bool value) { return Add(value ? 1L : 0L); }

        /// <summary>Append several numbers.</summary>
        public SpaceWriter Add(IList<float> values)
        {
            Reserve(values.Count);
            foreach (float value in values)
                TensorData.Write(data, dtype, written++, (double)value);
            return this;
        }

        /// <summary>
        /// Append <paramref name="count"/> one-hot numbers: 1 at <paramref name="index"/>, 0 elsewhere.
        /// </summary>
        public SpaceWriter AddOneHot(int index, int count)
        {
            if (index < 0 || index >= count)
                throw new InvalidValueException(path + ": one-hot index " + index + " outside 0.." + (count - 1));
            Reserve(count);
            for (int i = 0; i < count; i++)
                TensorData.Write(data, dtype, written++, i == index ? 1L : 0L);
            return this;
        }

        /// <summary>Overwrite number <paramref name="index"/> (C order) of a tensor element.</summary>
        public SpaceWriter Set(int index, double value)
        {
            RequireTensor();
            if (index < 0 || index >= capacity)
                throw new InvalidValueException(path + ": index " + index + " outside 0.." + (capacity - 1));
            TensorData.Write(data, dtype, index, value);
            written = Math.Max(written, index + 1);
            return this;
        }

        /// <summary>
        /// Copy raw little-endian bytes of the element's dtype (e.g. a uint8
        /// [H, W, 3] image), starting at number <see cref="Count"/>.
        /// </summary>
        public SpaceWriter AddBytes(byte[] bytes, int offset, int count)
        {
            RequireTensor();
            int itemSize = TensorData.ItemSize(dtype);
            if (count % itemSize != 0)
                throw new InvalidValueException(path + ": " + count + " bytes is not a whole number of " + dtype + " values");
            Reserve(count / itemSize);
            Buffer.BlockCopy(bytes, offset, data, written * itemSize, count);
            written += count / itemSize;
            return this;
        }

        /// <summary>Set the element of a Discrete space.</summary>
        public SpaceWriter SetDiscrete(long value)
        {
            if (space.KindCase != Space.KindOneofCase.Discrete)
                throw new InvalidValueException(path + ": SetDiscrete needs a Discrete space, this is " + space.KindCase);
            DiscreteSpace d = space.Discrete;
            if (value < d.Start || value >= d.Start + d.N)
                throw new InvalidValueException(path + ": " + value + " outside Discrete(" + d.N + ", start=" + d.Start + ")");
            discrete = value;
            set = true;
            return this;
        }

        /// <summary>Set the element of a Text space.</summary>
        public SpaceWriter SetText(string text)
        {
            if (space.KindCase != Space.KindOneofCase.Text)
                throw new InvalidValueException(path + ": SetText needs a Text space, this is " + space.KindCase);
            raw = new Value { StringValue = text ?? "" };
            return this;
        }

        /// <summary>Set the whole element directly (any space; the element form of value.proto).</summary>
        public SpaceWriter SetValue(Value value)
        {
            raw = value;
            return this;
        }

        /// <summary>The writer of a Dict space's entry.</summary>
        public SpaceWriter this[string key]
        {
            get
            {
                if (space.KindCase != Space.KindOneofCase.Dict)
                    throw new InvalidValueException(path + ": ['" + key + "'] needs a Dict space, this is " + space.KindCase);
                SpaceWriter child;
                if (children.TryGetValue(key, out child))
                    return child;
                foreach (DictSpaceEntry entry in space.Dict.Entries)
                {
                    if (entry.Key != key)
                        continue;
                    child = new SpaceWriter(entry.Space, path + "['" + key + "']", requireAll);
                    children[key] = child;
                    return child;
                }
                throw new InvalidValueException(path + ": no key '" + key + "' in the Dict space");
            }
        }

        /// <summary>The writer of a Tuple space's part.</summary>
        public SpaceWriter this[int index]
        {
            get
            {
                if (space.KindCase != Space.KindOneofCase.Tuple)
                    throw new InvalidValueException(path + ": [" + index + "] needs a Tuple space, this is " + space.KindCase);
                if (index < 0 || index >= space.Tuple.Spaces.Count)
                    throw new InvalidValueException(path + ": no part " + index + " in a Tuple of " + space.Tuple.Spaces.Count);
                string key = index.ToString();
                SpaceWriter child;
                if (!children.TryGetValue(key, out child))
                {
                    child = new SpaceWriter(space.Tuple.Spaces[index], path + "[" + index + "]", requireAll);
                    children[key] = child;
                }
                return child;
            }
        }

        /// <summary>The element (value.proto element form).</summary>
        /// <exception cref="InvalidValueException">An observation left numbers or parts unwritten.</exception>
        public Value Build()
        {
            if (raw != null)
                return raw;
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Box:
                case Space.KindOneofCase.MultiDiscrete:
                case Space.KindOneofCase.MultiBinary:
                    if (requireAll && written != capacity)
                        throw new InvalidValueException(path + ": " + written + " of " + capacity + " numbers written; the space has shape " + TensorData.ShapeText(TensorShape(space)));
                    var tensor = new Tensor { Dtype = dtype };
                    tensor.Shape.AddRange(TensorShape(space));
                    tensor.SetData((byte[])data.Clone(), 0, data.Length);
                    return new Value { Tensor = tensor };
                case Space.KindOneofCase.Discrete:
                    if (requireAll && !set)
                        throw new InvalidValueException(path + ": no value written; call SetDiscrete");
                    return new Value { IntValue = discrete };
                case Space.KindOneofCase.Dict:
                    var map = new ValueMap();
                    foreach (DictSpaceEntry entry in space.Dict.Entries)
                        map.Entries.Add(new ValueMapEntry { Key = entry.Key, Value = this[entry.Key].Build() });
                    return new Value { MapValue = map };
                case Space.KindOneofCase.Tuple:
                    var parts = new ValueList();
                    for (int i = 0; i < space.Tuple.Spaces.Count; i++)
                        parts.Items.Add(this[i].Build());
                    return new Value { TupleValue = parts };
                case Space.KindOneofCase.Text:
                    if (requireAll)
                        throw new InvalidValueException(path + ": no text written; call SetText");
                    return new Value { StringValue = "" };
                default:
                    throw new InvalidValueException(path + ": a " + space.KindCase + " element must be given whole with SetValue");
            }
        }

        void RequireTensor()
        {
            if (data == null)
                throw new InvalidValueException(path + ": numbers need a Box, MultiDiscrete or MultiBinary space, this is " + space.KindCase + (space.KindCase == Space.KindOneofCase.Dict ? " (write to obs[\"key\"])" : ""));
        }

        void Reserve(int count)
        {
            RequireTensor();
            if (written + count > capacity)
                throw new InvalidValueException(path + ": more than " + capacity + " numbers written; the space has shape " + TensorData.ShapeText(TensorShape(space)));
        }

        internal static List<long> TensorShape(Space space)
        {
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Box: return space.Box.Shape;
                case Space.KindOneofCase.MultiDiscrete: return space.MultiDiscrete.Nvec.Shape;
                case Space.KindOneofCase.MultiBinary: return space.MultiBinary.Shape;
                default: return null;
            }
        }

        internal static Dtype TensorDtype(Space space)
        {
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Box: return space.Box.Dtype;
                case Space.KindOneofCase.MultiDiscrete: return space.MultiDiscrete.Nvec.Dtype;
                default: return Dtype.Int8;
            }
        }
    }

    /// <summary>What <c>RlayAgent.CollectObservations</c> fills: every number of the space must be written.</summary>
    public sealed class ObservationWriter : SpaceWriter
    {
        public ObservationWriter(Space space) : base(space, "observation", true) { }
    }

    /// <summary>What <c>RlayAgent.Heuristic</c> fills; unwritten numbers stay 0 (Discrete: its start).</summary>
    public sealed class ActionWriter : SpaceWriter
    {
        public ActionWriter(Space space) : base(space, "action", false) { }
    }
}
