using System;
using System.Collections.Generic;
using System.Text;
using Rlay;
using Rlay.Protocol;

namespace Rlay.Conformance
{
    /// <summary>The integer arithmetic of ENVIRONMENTS.md section 1.</summary>
    static class Draws
    {
        public const ulong K0 = 0x0123456789ABCDEFUL;
        public const uint FnvBasis = 0x811C9DC5u;

        public static ulong Mix(ulong x)
        {
            unchecked
            {
                ulong z = x + 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return z ^ (z >> 31);
            }
        }

        public static ulong D(ulong x, int j)
        {
            return Mix(unchecked(x + (ulong)j));
        }

        public static long U(ulong x, int j, long n)
        {
            return (long)((D(x, j) >> 33) % (ulong)n);
        }

        public static ulong StepState(ulong key, long t, uint acc)
        {
            return Mix(key ^ (((ulong)t << 32) | acc));
        }

        public static uint Fold(uint acc, byte[] data, int offset, int count)
        {
            unchecked
            {
                for (int i = 0; i < count; i++) acc = (acc ^ data[offset + i]) * 16777619u;
            }
            return acc;
        }

        /// <summary>Canonical element bytes of an action (ENVIRONMENTS.md section 1).</summary>
        public static void ElementBytes(Space space, Value x, List<byte> output)
        {
            switch (space.KindCase)
            {
                case Space.KindOneofCase.Box:
                case Space.KindOneofCase.MultiDiscrete:
                case Space.KindOneofCase.MultiBinary:
                {
                    ArraySegment<byte> data = x.Tensor.DataSegment;
                    for (int i = 0; i < data.Count; i++) output.Add(data.Array[data.Offset + i]);
                    return;
                }
                case Space.KindOneofCase.Discrete:
                    output.AddRange(BitConverter.GetBytes(x.IntValue));
                    return;
                case Space.KindOneofCase.Text:
                    output.AddRange(Encoding.UTF8.GetBytes(x.StringValue));
                    output.Add(0xFF);
                    return;
                case Space.KindOneofCase.Tuple:
                    for (int i = 0; i < space.Tuple.Spaces.Count; i++)
                        ElementBytes(space.Tuple.Spaces[i], x.TupleValue.Items[i], output);
                    return;
                case Space.KindOneofCase.Dict:
                    foreach (DictSpaceEntry entry in space.Dict.Entries)
                        ElementBytes(entry.Space, Values.Get(x, entry.Key), output);
                    return;
                case Space.KindOneofCase.OneOf:
                    output.Add((byte)x.OneOfValue.Index);
                    ElementBytes(space.OneOf.Spaces[(int)x.OneOfValue.Index], x.OneOfValue.Value, output);
                    return;
                default:
                    throw new InvalidOperationException("no canonical bytes for " + space.KindCase);
            }
        }

        public static Tensor I64(long[] values, params long[] shape)
        {
            return Tensors.FromArray(values, shape.Length == 0 ? new long[] { values.Length } : shape);
        }
    }
}
