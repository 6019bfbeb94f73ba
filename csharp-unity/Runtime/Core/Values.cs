using System;
using System.Collections;
using System.Collections.Generic;
using Rlay.Protocol;

namespace Rlay
{
    /// <summary>Ordered (key, value) pairs for map values (infos, options, metadata).</summary>
    /// <example><code>
    /// Value info = Values.Map(new ValueDict { { "score", 12 }, { "level", "forest" } });
    /// </code></example>
    public sealed class ValueDict : IEnumerable<KeyValuePair<string, object>>
    {
        readonly List<KeyValuePair<string, object>> entries = new List<KeyValuePair<string, object>>();

        /// <summary>Adds or replaces key (a replaced key keeps its position).</summary>
        public void Add(string key, object value)
        {
            for (int i = 0; i < entries.Count; i++)
            {
                if (entries[i].Key == key)
                {
                    entries[i] = new KeyValuePair<string, object>(key, value);
                    return;
                }
            }
            entries.Add(new KeyValuePair<string, object>(key, value));
        }

        public int Count { get { return entries.Count; } }

        public bool TryGetValue(string key, out object value)
        {
            foreach (KeyValuePair<string, object> entry in entries)
            {
                if (entry.Key == key)
                {
                    value = entry.Value;
                    return true;
                }
            }
            value = null;
            return false;
        }

        public object this[string key]
        {
            get
            {
                object value;
                if (!TryGetValue(key, out value)) throw new KeyNotFoundException(key);
                return value;
            }
            set { Add(key, value); }
        }

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            return entries.GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }
    }

    /// <summary>A tuple for <see cref="Values.Of"/>: becomes a tuple_value, not a list_value.</summary>
    public sealed class ValueTupleList : List<object>
    {
        public ValueTupleList(params object[] items) : base(items) { }
    }

    /// <summary>
    /// Generic values (infos, options, call arguments, metadata) from and to C# objects.
    /// </summary>
    /// <remarks>
    /// <see cref="Of"/> maps: null → no kind (None); bool → bool_value; integers → int_value
    /// (a ulong above long.MaxValue → a 0-d uint64 tensor); float/double → float_value;
    /// string; byte[] → bytes_value; <see cref="Tensor"/>; other primitive arrays → 1-D
    /// tensors; <see cref="ValueDict"/> or IDictionary with string keys → map_value;
    /// <see cref="ValueTupleList"/> → tuple_value; other IEnumerable → list_value;
    /// a <see cref="Value"/> as it is.
    /// <code>
    /// Value v = Values.Of(new ValueDict { { "lives", 3 }, { "pos", new float[] { 1, 2 } } });
    /// object back = Values.ToObject(v);   // a ValueDict holding 3L and a Tensor
    /// </code>
    /// </remarks>
    public static class Values
    {
        public static Value None() { return new Value(); }

        public static Value Bool(bool value) { return new Value { BoolValue = value }; }

        public static Value Int(long value) { return new Value { IntValue = value }; }

        public static Value Float(double value) { return new Value { FloatValue = value }; }

        public static Value String(string value) { return new Value { StringValue = value }; }

        public static Value Bytes(byte[] value) { return new Value { BytesValue = value }; }

        public static Value Tensor(Tensor value) { return new Value { Tensor = value }; }

        public static Value List(params Value[] items)
        {
            ValueList list = new ValueList();
            list.Items.AddRange(items);
            return new Value { ListValue = list };
        }

        public static Value Tuple(params Value[] items)
        {
            ValueList list = new ValueList();
            list.Items.AddRange(items);
            return new Value { TupleValue = list };
        }

        public static Value Map(ValueDict entries)
        {
            ValueMap map = new ValueMap();
            foreach (KeyValuePair<string, object> entry in entries)
                map.Entries.Add(new ValueMapEntry { Key = entry.Key, Value = Of(entry.Value) });
            return new Value { MapValue = map };
        }

        /// <summary>An empty map_value (an info with nothing in it).</summary>
        public static Value EmptyMap() { return new Value { MapValue = new ValueMap() }; }

        public static Value Graph(Tensor nodes, Tensor edges, Tensor edgeLinks)
        {
            return new Value { GraphValue = new GraphValue { Nodes = nodes, Edges = edges, EdgeLinks = edgeLinks } };
        }

        public static Value OneOf(long index, Value value)
        {
            return new Value { OneOfValue = new OneOfValue { Index = index, Value = value } };
        }

        /// <summary>The Value of a C# object (see the class remarks for the mapping).</summary>
        public static Value Of(object obj)
        {
            if (obj == null) return None();
            Value value = obj as Value;
            if (value != null) return value;
            if (obj is bool) return Bool((bool)obj);
            if (obj is int) return Int((int)obj);
            if (obj is long) return Int((long)obj);
            if (obj is short) return Int((short)obj);
            if (obj is sbyte) return Int((sbyte)obj);
            if (obj is byte) return Int((byte)obj);
            if (obj is ushort) return Int((ushort)obj);
            if (obj is uint) return Int((uint)obj);
            if (obj is ulong)
            {
                ulong u = (ulong)obj;
                return u <= long.MaxValue ? Int((long)u) : Tensor(Tensors.Scalar(u));
            }
            if (obj is float) return Float((float)obj);
            if (obj is double) return Float((double)obj);
            string s = obj as string;
            if (s != null) return String(s);
            byte[] bytes = obj as byte[];
            if (bytes != null) return Bytes(bytes);
            Tensor tensor = obj as Tensor;
            if (tensor != null) return Tensor(tensor);
            Array array = obj as Array;
            if (array != null && array.Rank == 1 && array.GetType().GetElementType().IsPrimitive)
                return Tensor(ArrayTensor(array));
            ValueDict dict = obj as ValueDict;
            if (dict != null) return Map(dict);
            IDictionary dictionary = obj as IDictionary;
            if (dictionary != null)
            {
                ValueDict ordered = new ValueDict();
                foreach (DictionaryEntry entry in dictionary)
                {
                    string key = entry.Key as string;
                    if (key == null) throw new InvalidValueException("map keys must be strings, got " + entry.Key);
                    ordered.Add(key, entry.Value);
                }
                return Map(ordered);
            }
            ValueTupleList tuple = obj as ValueTupleList;
            IEnumerable items = obj as IEnumerable;
            if (items != null)
            {
                ValueList list = new ValueList();
                foreach (object item in items) list.Items.Add(Of(item));
                return tuple != null ? new Value { TupleValue = list } : new Value { ListValue = list };
            }
            throw new InvalidValueException("cannot encode a " + obj.GetType().Name + " as a Value");
        }

        static Tensor ArrayTensor(Array array)
        {
            if (array is float[]) return Tensors.FromArray((float[])array);
            if (array is double[]) return Tensors.FromArray((double[])array);
            if (array is int[]) return Tensors.FromArray((int[])array);
            if (array is long[]) return Tensors.FromArray((long[])array);
            if (array is bool[]) return Tensors.FromArray((bool[])array);
            if (array is sbyte[]) return Tensors.FromArray((sbyte[])array);
            if (array is short[]) return Tensors.FromArray((short[])array);
            if (array is ushort[]) return Tensors.FromArray((ushort[])array);
            if (array is uint[]) return Tensors.FromArray((uint[])array);
            if (array is ulong[]) return Tensors.FromArray((ulong[])array);
            throw new InvalidValueException("no tensor dtype for " + array.GetType().Name);
        }

        /// <summary>
        /// A C# object for a Value: null, bool, long, double, string, byte[], Tensor,
        /// List&lt;object&gt; (list), ValueTupleList (tuple), ValueDict (map), GraphValue, or
        /// KeyValuePair&lt;long, object&gt; (one_of: index, value).
        /// </summary>
        public static object ToObject(Value value)
        {
            if (value == null) return null;
            switch (value.KindCase)
            {
                case Value.KindOneofCase.None: return null;
                case Value.KindOneofCase.BoolValue: return value.BoolValue;
                case Value.KindOneofCase.IntValue: return value.IntValue;
                case Value.KindOneofCase.FloatValue: return value.FloatValue;
                case Value.KindOneofCase.StringValue: return value.StringValue;
                case Value.KindOneofCase.BytesValue: return value.BytesValue;
                case Value.KindOneofCase.Tensor: return value.Tensor;
                case Value.KindOneofCase.ListValue:
                {
                    List<object> list = new List<object>();
                    foreach (Value item in value.ListValue.Items) list.Add(ToObject(item));
                    return list;
                }
                case Value.KindOneofCase.TupleValue:
                {
                    ValueTupleList tuple = new ValueTupleList();
                    foreach (Value item in value.TupleValue.Items) tuple.Add(ToObject(item));
                    return tuple;
                }
                case Value.KindOneofCase.MapValue:
                {
                    ValueDict dict = new ValueDict();
                    foreach (ValueMapEntry entry in value.MapValue.Entries) dict.Add(entry.Key, ToObject(entry.Value));
                    return dict;
                }
                case Value.KindOneofCase.GraphValue: return value.GraphValue;
                case Value.KindOneofCase.OneOfValue:
                    return new KeyValuePair<long, object>(value.OneOfValue.Index, ToObject(value.OneOfValue.Value));
                default:
                    throw new InvalidValueException("unknown value kind " + (int)value.KindCase);
            }
        }

        /// <summary>The entry of a map_value with this key, or null.</summary>
        public static Value Get(Value map, string key)
        {
            if (map == null || map.KindCase != Value.KindOneofCase.MapValue) return null;
            foreach (ValueMapEntry entry in map.MapValue.Entries)
                if (entry.Key == key) return entry.Value;
            return null;
        }

        /// <summary>Kind name for messages ("tensor", "int_value", "none").</summary>
        public static string KindName(Value value)
        {
            if (value == null) return "nothing";
            switch (value.KindCase)
            {
                case Value.KindOneofCase.None: return "none";
                case Value.KindOneofCase.BoolValue: return "bool_value";
                case Value.KindOneofCase.IntValue: return "int_value";
                case Value.KindOneofCase.FloatValue: return "float_value";
                case Value.KindOneofCase.StringValue: return "string_value";
                case Value.KindOneofCase.BytesValue: return "bytes_value";
                case Value.KindOneofCase.Tensor: return "tensor";
                case Value.KindOneofCase.ListValue: return "list_value";
                case Value.KindOneofCase.TupleValue: return "tuple_value";
                case Value.KindOneofCase.MapValue: return "map_value";
                case Value.KindOneofCase.GraphValue: return "graph_value";
                case Value.KindOneofCase.OneOfValue: return "one_of_value";
                default: return "kind " + (int)value.KindCase;
            }
        }
    }
}
