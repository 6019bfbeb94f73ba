using System;
using System.Collections.Generic;
using System.Globalization;
using Rlay.Protocol;

namespace Rlay
{
    /// <summary>
    /// Space-directed values: the element form of one sub-environment's observation or action,
    /// and the batch form of N of them (see value.proto), with validation against the space.
    /// </summary>
    /// <remarks>
    /// Batch form, as gymnasium.vector.utils.batch_space: Box, MultiDiscrete, MultiBinary →
    /// tensor [N, *shape]; Discrete → tensor [N] of its dtype; Tuple and Dict → their parts'
    /// batch forms; Text, Sequence, Graph, OneOf → list_value of N element forms.
    /// Errors are <see cref="InvalidValueException"/> naming the path, e.g.
    /// <c>actions['aim']: expected shape (1, 2), got (1, 3)</c>.
    /// <code>
    /// Value batch = SpaceValues.Batch(observationSpace, new[] { obs0, obs1 });
    /// Value[] actions = SpaceValues.Unbatch(actionSpace, request.Actions, 2, "actions");
    /// </code>
    /// </remarks>
    public static class SpaceValues
    {
        /// <summary>The batch form of the given element forms (each checked against space).</summary>
        /// <remarks>With checkContents false only kinds, dtypes and shapes are checked (not bounds,
        /// ranges or charsets): cheap enough for large observations on every step.</remarks>
        public static Value Batch(Space space, IList<Value> elements, string path = "observations", bool checkContents = true)
        {
            for (int i = 0; i < elements.Count; i++) CheckElement(space, elements[i], path + "[" + i + "]", checkContents);
            return BatchUnchecked(space, elements);
        }

        static Value BatchUnchecked(Space space, IList<Value> elements)
        {
            int n = elements.Count;
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Box:
                case Space.KindOneofCase.MultiDiscrete:
                case Space.KindOneofCase.MultiBinary:
                {
                    Dtype dtype = ElementDtype(space);
                    long[] shape = ElementShape(space);
                    Tensor[] parts = new Tensor[n];
                    for (int i = 0; i < n; i++) parts[i] = elements[i].Tensor;
                    return Values.Tensor(Stack(dtype, shape, parts));
                }
                case Space.KindOneofCase.Discrete:
                {
                    long[] ints = new long[n];
                    for (int i = 0; i < n; i++) ints[i] = elements[i].IntValue;
                    return Values.Tensor(IntsAs(DiscreteDtype(space.Discrete), ints));
                }
                case Space.KindOneofCase.Tuple:
                {
                    ValueList parts = new ValueList();
                    for (int p = 0; p < space.Tuple.Spaces.Count; p++)
                    {
                        Value[] column = new Value[n];
                        for (int i = 0; i < n; i++) column[i] = elements[i].TupleValue.Items[p];
                        parts.Items.Add(BatchUnchecked(space.Tuple.Spaces[p], column));
                    }
                    return new Value { TupleValue = parts };
                }
                case Space.KindOneofCase.Dict:
                {
                    ValueMap map = new ValueMap();
                    foreach (DictSpaceEntry entry in space.Dict.Entries)
                    {
                        Value[] column = new Value[n];
                        for (int i = 0; i < n; i++) column[i] = Values.Get(elements[i], entry.Key);
                        map.Entries.Add(new ValueMapEntry { Key = entry.Key, Value = BatchUnchecked(entry.Space, column) });
                    }
                    return new Value { MapValue = map };
                }
                default:
                {
                    ValueList list = new ValueList();
                    list.Items.AddRange(elements);
                    return new Value { ListValue = list };
                }
            }
        }

        /// <summary>
        /// N element forms from a batch form, each checked against space. Tensor elements are
        /// views into the batch's bytes (no copy).
        /// </summary>
        public static Value[] Unbatch(Space space, Value batch, int n, string path = "actions")
        {
            Value[] elements = UnbatchUnchecked(space, batch, n, path);
            for (int i = 0; i < n; i++) CheckElement(space, elements[i], path + "[" + i + "]");
            return elements;
        }

        static Value[] UnbatchUnchecked(Space space, Value batch, int n, string path)
        {
            Value[] result = new Value[n];
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Box:
                case Space.KindOneofCase.MultiDiscrete:
                case Space.KindOneofCase.MultiBinary:
                case Space.KindOneofCase.Discrete:
                {
                    bool discrete = space.KindCase == Space.KindOneofCase.Discrete;
                    Dtype dtype = discrete ? DiscreteDtype(space.Discrete) : ElementDtype(space);
                    long[] shape = discrete ? new long[0] : ElementShape(space);
                    long[] batchShape = new long[shape.Length + 1];
                    batchShape[0] = n;
                    Array.Copy(shape, 0, batchShape, 1, shape.Length);
                    Tensor tensor = ExpectTensor(batch, dtype, batchShape, path);
                    ArraySegment<byte> bytes = tensor.DataSegment;
                    int stride = n == 0 ? 0 : bytes.Count / n;
                    for (int i = 0; i < n; i++)
                    {
                        if (discrete)
                        {
                            result[i] = Values.Int(ReadInteger(dtype, bytes.Array, bytes.Offset + i * stride));
                            continue;
                        }
                        Tensor element = new Tensor { Dtype = dtype };
                        element.Shape.AddRange(shape);
                        element.SetData(bytes.Array, bytes.Offset + i * stride, stride);
                        result[i] = Values.Tensor(element);
                    }
                    return result;
                }
                case Space.KindOneofCase.Tuple:
                {
                    IList<Space> parts = space.Tuple.Spaces;
                    if (batch.KindCase != Value.KindOneofCase.TupleValue || batch.TupleValue.Items.Count != parts.Count)
                        throw Wrong(path, "a tuple_value of " + parts.Count + " parts", batch);
                    for (int i = 0; i < n; i++) result[i] = new Value { TupleValue = new ValueList() };
                    for (int p = 0; p < parts.Count; p++)
                    {
                        Value[] column = UnbatchUnchecked(parts[p], batch.TupleValue.Items[p], n, path + "[" + p + "]");
                        for (int i = 0; i < n; i++) result[i].TupleValue.Items.Add(column[i]);
                    }
                    return result;
                }
                case Space.KindOneofCase.Dict:
                {
                    if (batch.KindCase != Value.KindOneofCase.MapValue)
                        throw Wrong(path, "a map_value", batch);
                    CheckKeys(space.Dict, batch.MapValue, path);
                    for (int i = 0; i < n; i++) result[i] = new Value { MapValue = new ValueMap() };
                    foreach (DictSpaceEntry entry in space.Dict.Entries)
                    {
                        Value[] column = UnbatchUnchecked(entry.Space, Values.Get(batch, entry.Key), n, path + "['" + entry.Key + "']");
                        for (int i = 0; i < n; i++)
                            result[i].MapValue.Entries.Add(new ValueMapEntry { Key = entry.Key, Value = column[i] });
                    }
                    return result;
                }
                case Space.KindOneofCase.None:
                    throw new UnsupportedSpaceException(path + ": space has no kind");
                default:
                {
                    if (batch.KindCase != Value.KindOneofCase.ListValue || batch.ListValue.Items.Count != n)
                        throw Wrong(path, "a list_value of " + n + " elements", batch);
                    batch.ListValue.Items.CopyTo(result);
                    return result;
                }
            }
        }

        /// <summary>Checks that element is the element form of a member of space.</summary>
        public static void CheckElement(Space space, Value element, string path)
        {
            CheckElement(space, element, path, true);
        }

        /// <summary>As CheckElement; with checkContents false, Box bounds are not checked.</summary>
        public static void CheckElement(Space space, Value element, string path, bool checkContents)
        {
            if (element == null) throw new InvalidValueException(path + ": missing");
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Box:
                {
                    BoxSpace box = space.Box;
                    Tensor t = ExpectTensor(element, box.Dtype, ElementShape(space), path);
                    if (checkContents) CheckBounds(t, box.Low, box.High, path);
                    return;
                }
                case Space.KindOneofCase.Discrete:
                {
                    if (element.KindCase != Value.KindOneofCase.IntValue) throw Wrong(path, "an int_value", element);
                    DiscreteSpace d = space.Discrete;
                    long v = element.IntValue;
                    if (v < d.Start || v - d.Start >= d.N)
                        throw new InvalidValueException(path + ": " + v + " is outside Discrete(" + d.N + ", start=" + d.Start + ")");
                    return;
                }
                case Space.KindOneofCase.MultiDiscrete:
                {
                    MultiDiscreteSpace md = space.MultiDiscrete;
                    Tensor t = ExpectTensor(element, md.Nvec.Dtype, ElementShape(space), path);
                    int count = (int)Tensors.ElementCount(t.Shape);
                    ArraySegment<byte> x = t.DataSegment, nvec = md.Nvec.DataSegment, start = md.Start.DataSegment;
                    int size = Tensors.ItemSize(t.Dtype);
                    for (int i = 0; i < count; i++)
                    {
                        long v = ReadInteger(t.Dtype, x.Array, x.Offset + i * size);
                        long s = ReadInteger(t.Dtype, start.Array, start.Offset + i * size);
                        long n = ReadInteger(t.Dtype, nvec.Array, nvec.Offset + i * size);
                        if (v < s || v - s >= n)
                            throw new InvalidValueException(path + ": element " + i + " = " + v + " is outside [" + s + ", " + (s + n) + ")");
                    }
                    return;
                }
                case Space.KindOneofCase.MultiBinary:
                {
                    Tensor t = ExpectTensor(element, Dtype.Int8, ElementShape(space), path);
                    ArraySegment<byte> x = t.DataSegment;
                    for (int i = 0; i < x.Count; i++)
                        if (x.Array[x.Offset + i] > 1)
                            throw new InvalidValueException(path + ": MultiBinary element " + i + " is not 0 or 1");
                    return;
                }
                case Space.KindOneofCase.Text:
                {
                    if (element.KindCase != Value.KindOneofCase.StringValue) throw Wrong(path, "a string_value", element);
                    CheckText(space.Text, element.StringValue, path);
                    return;
                }
                case Space.KindOneofCase.Tuple:
                {
                    IList<Space> parts = space.Tuple.Spaces;
                    if (element.KindCase != Value.KindOneofCase.TupleValue || element.TupleValue.Items.Count != parts.Count)
                        throw Wrong(path, "a tuple_value of " + parts.Count + " parts", element);
                    for (int p = 0; p < parts.Count; p++) CheckElement(parts[p], element.TupleValue.Items[p], path + "[" + p + "]", checkContents);
                    return;
                }
                case Space.KindOneofCase.Dict:
                {
                    if (element.KindCase != Value.KindOneofCase.MapValue) throw Wrong(path, "a map_value", element);
                    CheckKeys(space.Dict, element.MapValue, path);
                    foreach (DictSpaceEntry entry in space.Dict.Entries)
                        CheckElement(entry.Space, Values.Get(element, entry.Key), path + "['" + entry.Key + "']", checkContents);
                    return;
                }
                case Space.KindOneofCase.Sequence:
                {
                    SequenceSpace seq = space.Sequence;
                    if (seq.Stack)
                    {
                        int length = BatchLength(seq.FeatureSpace, element, path);
                        Unbatch(seq.FeatureSpace, element, length, path);
                        return;
                    }
                    if (element.KindCase != Value.KindOneofCase.ListValue && element.KindCase != Value.KindOneofCase.TupleValue)
                        throw Wrong(path, "a list_value", element);
                    IList<Value> items = element.KindCase == Value.KindOneofCase.ListValue ? element.ListValue.Items : element.TupleValue.Items;
                    for (int i = 0; i < items.Count; i++) CheckElement(seq.FeatureSpace, items[i], path + "[" + i + "]");
                    return;
                }
                case Space.KindOneofCase.Graph:
                {
                    if (element.KindCase != Value.KindOneofCase.GraphValue) throw Wrong(path, "a graph_value", element);
                    CheckGraph(space.Graph, element.GraphValue, path);
                    return;
                }
                case Space.KindOneofCase.OneOf:
                {
                    if (element.KindCase != Value.KindOneofCase.OneOfValue) throw Wrong(path, "a one_of_value", element);
                    long index = element.OneOfValue.Index;
                    int count = space.OneOf.Spaces.Count;
                    if (index < 0 || index >= count)
                        throw new InvalidValueException(path + ": OneOf index " + index + " is outside 0.." + (count - 1));
                    CheckElement(space.OneOf.Spaces[(int)index], element.OneOfValue.Value, path + "[" + index + "]");
                    return;
                }
                default:
                    throw new UnsupportedSpaceException(path + ": space has no kind");
            }
        }

        /// <summary>Number of elements in a batch form (the stacked length of a Sequence).</summary>
        public static int BatchLength(Space space, Value batch, string path)
        {
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Box:
                case Space.KindOneofCase.MultiDiscrete:
                case Space.KindOneofCase.MultiBinary:
                case Space.KindOneofCase.Discrete:
                    if (batch == null || batch.KindCase != Value.KindOneofCase.Tensor || batch.Tensor.Shape.Count == 0)
                        throw Wrong(path, "a stacked tensor", batch);
                    return (int)batch.Tensor.Shape[0];
                case Space.KindOneofCase.Tuple:
                    if (batch == null || batch.KindCase != Value.KindOneofCase.TupleValue || batch.TupleValue.Items.Count == 0)
                        throw Wrong(path, "a tuple_value", batch);
                    return BatchLength(space.Tuple.Spaces[0], batch.TupleValue.Items[0], path + "[0]");
                case Space.KindOneofCase.Dict:
                    if (batch == null || batch.KindCase != Value.KindOneofCase.MapValue || space.Dict.Entries.Count == 0)
                        throw Wrong(path, "a map_value", batch);
                    string key = space.Dict.Entries[0].Key;
                    return BatchLength(space.Dict.Entries[0].Space, Values.Get(batch, key), path + "['" + key + "']");
                default:
                    if (batch == null || batch.KindCase != Value.KindOneofCase.ListValue) throw Wrong(path, "a list_value", batch);
                    return batch.ListValue.Items.Count;
            }
        }

        /// <summary>The batch form of a stacked Sequence element from its items' element forms.</summary>
        public static Value Stack(Space featureSpace, IList<Value> items)
        {
            return Batch(featureSpace, items, "sequence");
        }

        // -- helpers --------------------------------------------------------------------

        static Dtype ElementDtype(Space space)
        {
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Box: return space.Box.Dtype;
                case Space.KindOneofCase.MultiDiscrete: return space.MultiDiscrete.Nvec.Dtype;
                case Space.KindOneofCase.MultiBinary: return Dtype.Int8;
                default: throw new UnsupportedSpaceException("not a tensor space");
            }
        }

        static long[] ElementShape(Space space)
        {
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Box: return space.Box.Shape.ToArray();
                case Space.KindOneofCase.MultiDiscrete: return space.MultiDiscrete.Nvec.Shape.ToArray();
                case Space.KindOneofCase.MultiBinary: return space.MultiBinary.Shape.ToArray();
                default: throw new UnsupportedSpaceException("not a tensor space");
            }
        }

        static Dtype DiscreteDtype(DiscreteSpace d)
        {
            return d.Dtype == Dtype.Unspecified ? Dtype.Int64 : d.Dtype;
        }

        static Tensor ExpectTensor(Value value, Dtype dtype, long[] shape, string path)
        {
            if (value == null || value.KindCase != Value.KindOneofCase.Tensor)
                throw Wrong(path, "a tensor", value);
            Tensor t = value.Tensor;
            if (t.Dtype != dtype)
                throw new InvalidValueException(path + ": expected dtype " + Tensors.Name(dtype) + ", got " + Tensors.Name(t.Dtype));
            if (!Spaces.SameShape(t.Shape, shape))
                throw new InvalidValueException(path + ": expected shape " + Tensors.ShapeString(shape) + ", got " + Tensors.ShapeString(t.Shape));
            try
            {
                Tensors.Validate(t);
            }
            catch (InvalidValueException e)
            {
                throw new InvalidValueException(path + ": " + e.Message);
            }
            return t;
        }

        static InvalidValueException Wrong(string path, string expected, Value got)
        {
            return new InvalidValueException(path + ": expected " + expected + ", got " + Describe(got));
        }

        static string Describe(Value value)
        {
            if (value == null) return "nothing";
            switch (value.KindCase)
            {
                case Value.KindOneofCase.TupleValue: return "a tuple_value of " + value.TupleValue.Items.Count + " parts";
                case Value.KindOneofCase.ListValue: return "a list_value of " + value.ListValue.Items.Count + " elements";
                default: return Values.KindName(value);
            }
        }

        static void CheckKeys(DictSpace dict, ValueMap map, string path)
        {
            if (map.Entries.Count == dict.Entries.Count)
            {
                bool same = true;
                foreach (DictSpaceEntry entry in dict.Entries)
                {
                    bool found = false;
                    foreach (ValueMapEntry e in map.Entries) found |= e.Key == entry.Key;
                    same &= found;
                }
                if (same) return;
            }
            List<string> expected = new List<string>(), got = new List<string>();
            foreach (DictSpaceEntry entry in dict.Entries) expected.Add("'" + entry.Key + "'");
            foreach (ValueMapEntry entry in map.Entries) got.Add("'" + entry.Key + "'");
            throw new InvalidValueException(path + ": expected keys [" + string.Join(", ", expected.ToArray()) +
                                            "], got [" + string.Join(", ", got.ToArray()) + "]");
        }

        static void CheckText(TextSpace text, string s, string path)
        {
            int length = 0;
            for (int i = 0; i < s.Length; i++)
            {
                string character = char.IsSurrogatePair(s, i) ? s.Substring(i++, 2) : s.Substring(i, 1);
                if (text.Charset.IndexOf(character, StringComparison.Ordinal) < 0)
                    throw new InvalidValueException(path + ": character '" + character + "' is not in the Text charset");
                length++;
            }
            if (length < text.MinLength || length > text.MaxLength)
                throw new InvalidValueException(path + ": text of length " + length + " is outside " + text.MinLength + ".." + text.MaxLength);
        }

        static void CheckGraph(GraphSpace graph, GraphValue g, string path)
        {
            Space nodeSpace = graph.NodeSpace;
            Tensor nodes = g.Nodes;
            if (nodes == null || nodes.Shape.Count == 0) throw new InvalidValueException(path + ".nodes: expected a tensor [num_nodes, ...]");
            int numNodes = (int)nodes.Shape[0];
            Unbatch(nodeSpace, Values.Tensor(nodes), numNodes, path + ".nodes");
            Tensor links = g.EdgeLinks;
            int numEdges = links == null ? 0 : (links.Shape.Count > 0 ? (int)links.Shape[0] : -1);
            if (links != null)
            {
                // edge_links may be int32 or int64 (kept as sent).
                Dtype linkDtype = links.Dtype == Dtype.Int32 ? Dtype.Int32 : Dtype.Int64;
                Tensor checkedLinks = ExpectTensor(Values.Tensor(links), linkDtype, new long[] { numEdges, 2 }, path + ".edge_links");
                ArraySegment<byte> bytes = checkedLinks.DataSegment;
                int size = Tensors.ItemSize(linkDtype);
                for (int i = 0; i < 2 * numEdges; i++)
                {
                    long end = ReadInteger(linkDtype, bytes.Array, bytes.Offset + i * size);
                    if (end < 0 || end >= numNodes)
                        throw new InvalidValueException(path + ".edge_links: node " + end + " is outside 0.." + (numNodes - 1));
                }
            }
            if (graph.EdgeSpace == null)
            {
                if (g.Edges != null) throw new InvalidValueException(path + ".edges: the space has no edge features");
                return;
            }
            if (g.Edges == null) throw new InvalidValueException(path + ".edges: missing");
            Unbatch(graph.EdgeSpace, Values.Tensor(g.Edges), Math.Max(numEdges, 0), path + ".edges");
        }

        static void CheckBounds(Tensor t, Tensor low, Tensor high, string path)
        {
            if (low == null || high == null) return;
            int count = (int)Tensors.ElementCount(t.Shape);
            ArraySegment<byte> x = t.DataSegment, lo = low.DataSegment, hi = high.DataSegment;
            if (lo.Count != x.Count || hi.Count != x.Count) return;
            int bad = FirstOutside(t.Dtype, x, lo, hi, count);
            if (bad < 0) return;
            // Only a value outside is formatted: the check itself stays a tight loop per dtype.
            int offset = x.Offset + bad * Tensors.ItemSize(t.Dtype);
            string shown;
            switch (t.Dtype)
            {
                case Dtype.Uint64: shown = BitConverter.ToUInt64(x.Array, offset).ToString(CultureInfo.InvariantCulture); break;
                case Dtype.Float16:
                case Dtype.Float32:
                case Dtype.Float64: shown = ReadFloat(t.Dtype, x.Array, offset).ToString("R", CultureInfo.InvariantCulture); break;
                default: shown = ReadInteger(t.Dtype, x.Array, offset).ToString(CultureInfo.InvariantCulture); break;
            }
            throw new InvalidValueException(path + ": element " + bad + " = " + shown + " is outside the Box bounds");
        }

        /// <summary>Index of the first element outside [low, high] (NaN is outside), or -1.</summary>
        static int FirstOutside(Dtype dtype, ArraySegment<byte> x, ArraySegment<byte> lo, ArraySegment<byte> hi, int count)
        {
            byte[] xa = x.Array, la = lo.Array, ha = hi.Array;
            int xo = x.Offset, lof = lo.Offset, hof = hi.Offset;
            switch (dtype)
            {
                case Dtype.Bool:
                case Dtype.Uint8:
                    for (int i = 0; i < count; i++)
                    {
                        byte v = xa[xo + i];
                        if (v < la[lof + i] || v > ha[hof + i]) return i;
                    }
                    return -1;
                case Dtype.Float32:
                    for (int i = 0, b = 0; i < count; i++, b += 4)
                    {
                        float v = BitConverter.ToSingle(xa, xo + b);
                        if (!(v >= BitConverter.ToSingle(la, lof + b) && v <= BitConverter.ToSingle(ha, hof + b))) return i;
                    }
                    return -1;
                case Dtype.Float64:
                    for (int i = 0, b = 0; i < count; i++, b += 8)
                    {
                        double v = BitConverter.ToDouble(xa, xo + b);
                        if (!(v >= BitConverter.ToDouble(la, lof + b) && v <= BitConverter.ToDouble(ha, hof + b))) return i;
                    }
                    return -1;
                case Dtype.Int32:
                    for (int i = 0, b = 0; i < count; i++, b += 4)
                    {
                        int v = BitConverter.ToInt32(xa, xo + b);
                        if (v < BitConverter.ToInt32(la, lof + b) || v > BitConverter.ToInt32(ha, hof + b)) return i;
                    }
                    return -1;
                case Dtype.Int64:
                    for (int i = 0, b = 0; i < count; i++, b += 8)
                    {
                        long v = BitConverter.ToInt64(xa, xo + b);
                        if (v < BitConverter.ToInt64(la, lof + b) || v > BitConverter.ToInt64(ha, hof + b)) return i;
                    }
                    return -1;
                case Dtype.Uint64:
                    for (int i = 0, b = 0; i < count; i++, b += 8)
                    {
                        ulong v = BitConverter.ToUInt64(xa, xo + b);
                        if (v < BitConverter.ToUInt64(la, lof + b) || v > BitConverter.ToUInt64(ha, hof + b)) return i;
                    }
                    return -1;
                case Dtype.Float16:
                {
                    int size = 2;
                    for (int i = 0; i < count; i++)
                    {
                        double v = ReadFloat(dtype, xa, xo + i * size);
                        if (!(v >= ReadFloat(dtype, la, lof + i * size) && v <= ReadFloat(dtype, ha, hof + i * size))) return i;
                    }
                    return -1;
                }
                default:
                {
                    int size = Tensors.ItemSize(dtype);
                    for (int i = 0; i < count; i++)
                    {
                        long v = ReadInteger(dtype, xa, xo + i * size);
                        if (v < ReadInteger(dtype, la, lof + i * size) || v > ReadInteger(dtype, ha, hof + i * size)) return i;
                    }
                    return -1;
                }
            }
        }

        /// <summary>An integer element of a tensor's bytes (uint64 reinterpreted as long).</summary>
        public static long ReadInteger(Dtype dtype, byte[] data, int offset)
        {
            switch (dtype)
            {
                case Dtype.Bool:
                case Dtype.Uint8: return data[offset];
                case Dtype.Int8: return (sbyte)data[offset];
                case Dtype.Int16: return BitConverter.ToInt16(data, offset);
                case Dtype.Uint16: return BitConverter.ToUInt16(data, offset);
                case Dtype.Int32: return BitConverter.ToInt32(data, offset);
                case Dtype.Uint32: return BitConverter.ToUInt32(data, offset);
                case Dtype.Int64:
                case Dtype.Uint64: return BitConverter.ToInt64(data, offset);
                default: throw new InvalidValueException("dtype " + Tensors.Name(dtype) + " is not an integer dtype");
            }
        }

        static double ReadFloat(Dtype dtype, byte[] data, int offset)
        {
            switch (dtype)
            {
                case Dtype.Float16: return Float16.ToFloat(BitConverter.ToUInt16(data, offset));
                case Dtype.Float32: return BitConverter.ToSingle(data, offset);
                default: return BitConverter.ToDouble(data, offset);
            }
        }

        static Tensor IntsAs(Dtype dtype, long[] values)
        {
            switch (dtype)
            {
                case Dtype.Int64: return Tensors.FromArray(values, values.Length);
                case Dtype.Int32: return Tensors.FromArray(Array.ConvertAll(values, v => (int)v), values.Length);
                case Dtype.Int16: return Tensors.FromArray(Array.ConvertAll(values, v => (short)v), values.Length);
                case Dtype.Int8: return Tensors.FromArray(Array.ConvertAll(values, v => (sbyte)v), values.Length);
                case Dtype.Uint8: return Tensors.FromArray(Array.ConvertAll(values, v => (byte)v), values.Length);
                case Dtype.Uint16: return Tensors.FromArray(Array.ConvertAll(values, v => (ushort)v), values.Length);
                case Dtype.Uint32: return Tensors.FromArray(Array.ConvertAll(values, v => (uint)v), values.Length);
                case Dtype.Uint64: return Tensors.FromArray(Array.ConvertAll(values, v => (ulong)v), values.Length);
                default: throw new UnsupportedSpaceException("Discrete dtype " + Tensors.Name(dtype) + " is not an integer dtype");
            }
        }

        static Tensor Stack(Dtype dtype, long[] shape, Tensor[] parts)
        {
            int size = (int)Tensors.ElementCount(shape) * Tensors.ItemSize(dtype);
            Tensor result = new Tensor { Dtype = dtype };
            result.Shape.Add(parts.Length);
            result.Shape.AddRange(shape);
            if (parts.Length == 1)
            {
                // One sub-environment: the batch is the element with a leading 1 (no copy).
                ArraySegment<byte> only = parts[0].DataSegment;
                result.SetData(only.Array, only.Offset, only.Count);
                return result;
            }
            byte[] data = new byte[size * parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                ArraySegment<byte> part = parts[i].DataSegment;
                Buffer.BlockCopy(part.Array, part.Offset, data, i * size, size);
            }
            result.SetData(data, 0, data.Length);
            return result;
        }
    }
}
