using System;
using System.Collections.Generic;
using Rlay;
using Rlay.Protocol;

namespace Rlay.Conformance
{
    /// <summary>One sub-environment: key, step counter and action digest (ENVIRONMENTS.md 1).</summary>
    abstract class SubEnv
    {
        public ulong Key = Draws.K0;
        public long T;
        public uint Acc = Draws.FnvBasis;
        readonly List<byte> scratch = new List<byte>();

        public abstract Space ObservationSpace { get; }
        public abstract Space ActionSpace { get; }

        public ulong State { get { return Draws.StepState(Key, T, Acc); } }

        public void Reset(ulong? seed)
        {
            Key = seed.HasValue ? Draws.Mix(seed.Value) : Draws.Mix(Key);
            T = 0;
            Acc = Draws.FnvBasis;
            OnReset();
        }

        /// <summary>Validates (may throw before anything changes), folds the action, advances t.</summary>
        public void Step(Value action, out double reward, out bool terminated, out bool truncated)
        {
            BeforeStep(action);
            if (action.KindCase == Value.KindOneofCase.Tensor)
            {
                // A tensor's canonical bytes are its data: fold them in place, no copy.
                ArraySegment<byte> data = action.Tensor.DataSegment;
                Acc = Draws.Fold(Acc, data.Array, data.Offset, data.Count);
            }
            else
            {
                scratch.Clear();
                Draws.ElementBytes(ActionSpace, action, scratch);
                byte[] bytes = scratch.ToArray();
                Acc = Draws.Fold(Acc, bytes, 0, bytes.Length);
            }
            T++;
            AfterStep(action);
            Outcome(out reward, out terminated, out truncated);
        }

        protected virtual void OnReset() { }
        protected virtual void BeforeStep(Value action) { }
        protected virtual void AfterStep(Value action) { }
        protected abstract void Outcome(out double reward, out bool terminated, out bool truncated);
        public abstract Value Observe();
        public virtual Value ResetInfo() { return null; }
        public virtual Value StepInfo() { return null; }
    }

    sealed class SpacesEnv : SubEnv
    {
        const string Charset = "aZ9 _\u00e9\u03bb\u4e2d";
        static readonly Space Obs = BuildObservationSpace();
        static readonly Space Act = BuildActionSpace();

        public override Space ObservationSpace { get { return Obs; } }
        public override Space ActionSpace { get { return Act; } }

        static Space U8Box(double lo, double hi, params long[] shape) { return Spaces.Box(Dtype.Uint8, lo, hi, shape); }

        static Space BuildObservationSpace()
        {
            const ulong u64Max = ulong.MaxValue;
            return Spaces.Dict(new SpaceDict
            {
                { "image", U8Box(0, 255, 4, 6, 3) },
                { "clock", Spaces.Box(Dtype.Uint32, 0, uint.MaxValue, 2) },
                { "ints", Spaces.Tuple(
                    Spaces.Box(Dtype.Int8, -100, 100, 3),
                    Spaces.Box(Tensors.FromArray(new short[] { -1000, -2000 }), Tensors.FromArray(new short[] { 1000, 3000 })),
                    Spaces.Box(Dtype.Int32, int.MinValue, int.MaxValue, 2),
                    Spaces.Box(Tensors.FromArray(new long[] { long.MinValue, long.MinValue }), Tensors.FromArray(new long[] { long.MaxValue, long.MaxValue }))) },
                { "uints", Spaces.Dict(new SpaceDict
                {
                    { "u64", Spaces.Box(Tensors.FromArray(new ulong[] { 0, 0 }), Tensors.FromArray(new ulong[] { u64Max, u64Max })) },
                    { "u16", Spaces.Box(Dtype.Uint16, 0, ushort.MaxValue, 2) },
                    { "u32", Spaces.Box(Dtype.Uint32, 0, uint.MaxValue, 2) },
                }) },
                { "floats", Spaces.Dict(new SpaceDict
                {
                    { "f32", Spaces.Box(new float[] { float.NegativeInfinity, 0, -1 }, new float[] { float.PositiveInfinity, float.PositiveInfinity, 1 }, 3) },
                    { "f16", Spaces.Box(Dtype.Float16, -4, 4, 2) },
                    { "f64", Spaces.Box(Dtype.Float64, double.NegativeInfinity, double.PositiveInfinity, 2) },
                }) },
                { "flags", Spaces.Box(Dtype.Bool, 0, 1, 4) },
                { "choice", Spaces.Discrete(5, -2) },
                { "grid", Spaces.MultiDiscrete(new long[] { 3, 5, 2, 4 }, new long[] { 0, -2, 10, 1 }, new long[] { 2, 2 }) },
                { "bits", Spaces.MultiBinary(2, 3) },
                { "word", Spaces.Text(6, 1, Charset) },
                { "path", Spaces.Sequence(Spaces.Box(Dtype.Int16, -100, 100, 2), true) },
                { "events", Spaces.Sequence(Spaces.Discrete(7, 1), false) },
                { "net", Spaces.Graph(Spaces.Box(-1f, 1f, 3), Spaces.Discrete(4)) },
                { "either", Spaces.OneOf(Spaces.Discrete(3), Spaces.Box(-1f, 1f, 2)) },
            });
        }

        static Space BuildActionSpace()
        {
            return Spaces.Dict(new SpaceDict
            {
                { "move", Spaces.Discrete(5, -2) },
                { "aim", Spaces.Box(new float[] { -1, -2 }, new float[] { 1, 2 }, 2) },
                { "throttle", Spaces.Box(Dtype.Float64, double.NegativeInfinity, double.PositiveInfinity) },
                { "buttons", Spaces.MultiBinary(3) },
                { "gears", Spaces.MultiDiscrete(new long[] { 3, 4 }, new long[] { 1, -1 }) },
                { "small", Spaces.Tuple(
                    Spaces.Box(Dtype.Int8, -8, 7, 2),
                    Spaces.Box(Dtype.Uint16, 0, ushort.MaxValue),
                    Spaces.Box(Tensors.Scalar(0UL), Tensors.Scalar(ulong.MaxValue))) },
                { "say", Spaces.Text(4, 0, "ab\u00e9") },
                { "pick", Spaces.OneOf(Spaces.Discrete(2), Spaces.Box(Dtype.Int32, -5, 5, 2)) },
            });
        }

        protected override void Outcome(out double reward, out bool terminated, out bool truncated)
        {
            reward = (Acc & 0xFFFF) / 256.0;
            terminated = truncated = false;
        }

        public override Value ResetInfo() { return Values.EmptyMap(); }
        public override Value StepInfo() { return Values.EmptyMap(); }

        public override Value Observe()
        {
            ulong s = State;
            long a = Draws.U(s, 0, 256);
            byte[] image = new byte[4 * 6 * 3];
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 6; x++)
                    for (int c = 0; c < 3; c++)
                        image[(y * 6 + x) * 3 + c] = (byte)((a + 37 * y + 11 * x + 101 * c) & 0xFF);
            sbyte[] i8 = new sbyte[3];
            for (int i = 0; i < 3; i++) i8[i] = (sbyte)(Draws.U(s, 1 + i, 201) - 100);
            short[] i16 = { (short)(Draws.U(s, 4, 2001) - 1000), (short)(Draws.U(s, 5, 5001) - 2000) };
            int[] i32 = { unchecked((int)(uint)Draws.D(s, 6)), unchecked((int)(uint)Draws.D(s, 7)) };
            long[] i64 = { unchecked((long)Draws.D(s, 8)), unchecked((long)Draws.D(s, 9)) };
            ulong[] u64 = { Draws.D(s, 10), Draws.D(s, 11) };
            ushort[] u16 = { (ushort)(Draws.D(s, 12) & 0xFFFF), (ushort)(Draws.D(s, 13) & 0xFFFF) };
            uint[] u32 = { (uint)(Draws.D(s, 14) & 0xFFFFFFFF), (uint)(Draws.D(s, 15) & 0xFFFFFFFF) };
            float[] f32 =
            {
                (Draws.U(s, 18, 1 << 21) - (1 << 20)) / 1024f,
                Draws.U(s, 19, 1 << 24) / 256f,
                (Draws.U(s, 20, 2049) - 1024) / 1024f,
            };
            float[] f16 = { (Draws.U(s, 16, 65) - 32) / 8f, (Draws.U(s, 17, 65) - 32) / 8f };
            double[] f64 = new double[2];
            for (int i = 0; i < 2; i++) f64[i] = ((long)(Draws.D(s, 21 + i) >> 11) - (1L << 52)) / 1048576.0;
            bool[] flags = new bool[4];
            for (int i = 0; i < 4; i++) flags[i] = ((Draws.D(s, 23) >> i) & 1) != 0;
            long[] nvec = { 3, 5, 2, 4 }, start = { 0, -2, 10, 1 };
            long[] grid = new long[4];
            for (int k = 0; k < 4; k++) grid[k] = start[k] + Draws.U(s, 25 + k, nvec[k]);
            sbyte[] bits = new sbyte[6];
            for (int k = 0; k < 6; k++) bits[k] = (sbyte)((Draws.D(s, 29) >> k) & 1);
            long wordLength = 1 + Draws.U(s, 30, 6);
            System.Text.StringBuilder word = new System.Text.StringBuilder();
            for (int k = 0; k < wordLength; k++) word.Append(Charset[(int)Draws.U(s, 31 + k, 8)]);
            int pathLength = (int)Draws.U(s, 37, 4);
            short[] path = new short[pathLength * 2];
            for (int k = 0; k < pathLength; k++)
            {
                path[2 * k] = (short)(Draws.U(s, 38 + 2 * k, 201) - 100);
                path[2 * k + 1] = (short)(Draws.U(s, 39 + 2 * k, 201) - 100);
            }
            int eventCount = (int)Draws.U(s, 44, 4);
            Value[] events = new Value[eventCount];
            for (int k = 0; k < eventCount; k++) events[k] = Values.Int(1 + Draws.U(s, 45 + k, 7));

            return Values.Map(new ValueDict
            {
                { "image", Tensors.FromArray(image, 4, 6, 3) },
                { "clock", Tensors.FromArray(new uint[] { (uint)T, Acc }) },
                { "ints", Values.Tuple(Values.Tensor(Tensors.FromArray(i8)), Values.Tensor(Tensors.FromArray(i16)),
                                       Values.Tensor(Tensors.FromArray(i32)), Values.Tensor(Tensors.FromArray(i64))) },
                { "uints", new ValueDict { { "u64", Tensors.FromArray(u64) }, { "u16", Tensors.FromArray(u16) }, { "u32", Tensors.FromArray(u32) } } },
                { "floats", new ValueDict { { "f32", Tensors.FromArray(f32) }, { "f16", Tensors.FromFloat16(f16) }, { "f64", Tensors.FromArray(f64) } } },
                { "flags", Tensors.FromArray(flags) },
                { "choice", Values.Int(Draws.U(s, 24, 5) - 2) },
                { "grid", Tensors.FromArray(grid, 2, 2) },
                { "bits", Tensors.FromArray(bits, 2, 3) },
                { "word", word.ToString() },
                { "path", Tensors.FromArray(path, pathLength, 2) },
                { "events", Values.List(events) },
                { "net", Graph(s) },
                { "either", Either(s) },
            });
        }

        static Value Graph(ulong s)
        {
            int n = 1 + (int)Draws.U(s, 48, 3), m = (int)Draws.U(s, 49, 4);
            float[] nodes = new float[n * 3];
            for (int i = 0; i < n; i++)
                for (int c = 0; c < 3; c++)
                    nodes[3 * i + c] = (Draws.U(s, 50 + 3 * i + c, 17) - 8) / 8f;
            long[] edges = new long[m];
            long[] links = new long[m * 2];
            for (int e = 0; e < m; e++)
            {
                edges[e] = Draws.U(s, 59 + e, 4);
                links[2 * e] = Draws.U(s, 62 + 2 * e, n);
                links[2 * e + 1] = Draws.U(s, 63 + 2 * e, n);
            }
            return Values.Graph(Tensors.FromArray(nodes, n, 3), Tensors.FromArray(edges, m), Tensors.FromArray(links, m, 2));
        }

        static Value Either(ulong s)
        {
            if (Draws.U(s, 68, 2) == 0) return Values.OneOf(0, Values.Int(Draws.U(s, 69, 3)));
            float[] pair = { (Draws.U(s, 69, 9) - 4) / 4f, (Draws.U(s, 70, 9) - 4) / 4f };
            return Values.OneOf(1, Values.Tensor(Tensors.FromArray(pair)));
        }
    }

    sealed class EpisodesEnv : SubEnv
    {
        static readonly Space Obs = Spaces.Box(Tensors.FromArray(new long[] { 0, 0, 3, 0 }), Tensors.FromArray(new long[] { 6, 12, 6, int.MaxValue }));
        static readonly Space Act = Spaces.Discrete(3);
        long p, target;

        public override Space ObservationSpace { get { return Obs; } }
        public override Space ActionSpace { get { return Act; } }

        protected override void OnReset()
        {
            p = 0;
            target = 3 + Draws.U(Key, 0, 4);
        }

        protected override void AfterStep(Value action) { p += action.IntValue; }

        protected override void Outcome(out double reward, out bool terminated, out bool truncated)
        {
            terminated = p >= target;
            truncated = T >= 6;
            reward = p / 2.0 - 1 + (terminated ? 10 : 0);
        }

        public override Value ResetInfo() { return Values.EmptyMap(); }
        public override Value StepInfo() { return Values.EmptyMap(); }

        public override Value Observe()
        {
            return Values.Tensor(Tensors.FromArray(new long[] { T, p, target, (long)(Key >> 33) }));
        }
    }

    sealed class InfosEnv : SubEnv
    {
        static readonly Space Obs = Spaces.Box(Tensors.FromArray(new long[] { long.MinValue, long.MinValue }), Tensors.FromArray(new long[] { long.MaxValue, long.MaxValue }));
        static readonly Space Act = Spaces.Box(Dtype.Int32, -10, 10, 2);
        long s, a0, a1;

        public override Space ObservationSpace { get { return Obs; } }
        public override Space ActionSpace { get { return Act; } }

        protected override void OnReset()
        {
            s = 0;
            a0 = a1 = 0;
        }

        protected override void AfterStep(Value action)
        {
            int[] a = Tensors.ToArray<int>(action.Tensor);
            a0 = a[0];
            a1 = a[1];
            s += a0 - 2 * a1;
        }

        protected override void Outcome(out double reward, out bool terminated, out bool truncated)
        {
            reward = s / 2.0;
            terminated = truncated = false;
        }

        public override Value Observe()
        {
            return Values.Tensor(Tensors.FromArray(new long[] { T, s }));
        }

        public override Value ResetInfo() { return StepInfo(); }

        public override Value StepInfo()
        {
            return Values.Map(new ValueDict
            {
                { "step", T },
                { "total", s },
                { "half", s / 2.0 },
                { "even", T % 2 == 0 },
                { "label", "\u03bb-" + T.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-\u4e2d" },
                { "key_hi", (long)(Key >> 32) },
                { "big", -(1L << 40) - T },
                { "vec", Tensors.FromArray(new float[] { T / 2f, s / 4f, -0.5f }) },
                { "grid", Tensors.FromArray(new long[] { T, s, a0, a1 }, 2, 2) },
                { "mask", Tensors.FromArray(new bool[] { a0 > 0, a1 > 0, s > 0 }) },
                { "nested", new ValueDict
                {
                    { "last", Values.List(Values.Int(a0), Values.Int(a1)) },
                    { "pair", Values.Tuple(Values.Int(T), Values.String("t")) },
                    { "flags", new ValueDict { { "pos", s > 0 }, { "neg", s < 0 } } },
                    { "nothing", null },
                } },
            });
        }
    }

    sealed class ControlEnv : SubEnv
    {
        static readonly Space Obs = Spaces.Box(Dtype.Int64, -1000000, 1000000, 3);
        static readonly Space Act = Spaces.Discrete(4);
        public long X;
        public long Gain = 1;
        public string RenderMode;

        public override Space ObservationSpace { get { return Obs; } }
        public override Space ActionSpace { get { return Act; } }

        protected override void OnReset() { X = 0; }

        protected override void BeforeStep(Value action)
        {
            if (action.IntValue == 3) throw new InvalidOperationException("action 3 is refused");
        }

        protected override void AfterStep(Value action)
        {
            if (action.IntValue == 1) X += Gain;
            else if (action.IntValue == 2) X -= Gain;
        }

        protected override void Outcome(out double reward, out bool terminated, out bool truncated)
        {
            reward = X / 4.0;
            terminated = truncated = false;
        }

        public override Value ResetInfo() { return Values.EmptyMap(); }
        public override Value StepInfo() { return Values.EmptyMap(); }

        public override Value Observe()
        {
            return Values.Tensor(Tensors.FromArray(new long[] { T, X, Gain }));
        }

        public Value Render()
        {
            if (RenderMode != "rgb_array") return null;
            byte[] frame = new byte[6 * 8 * 3];
            for (int y = 0; y < 6; y++)
                for (int w = 0; w < 8; w++)
                {
                    int at = (y * 8 + w) * 3;
                    frame[at] = (byte)((16 * w + T) & 0xFF);
                    frame[at + 1] = (byte)((32 * y + Gain) & 0xFF);
                    frame[at + 2] = (byte)(X & 0xFF);
                }
            return Values.Tensor(Tensors.FromArray(frame, 6, 8, 3));
        }
    }

    sealed class LargeEnv : SubEnv
    {
        const int Rows = 2304, Cols = 4096;
        static readonly Space Obs = Spaces.Box(Dtype.Uint8, 0, 255, Rows, Cols);
        static readonly Space Act = Spaces.Box(Dtype.Uint8, 0, 255, 256, 1024);
        readonly byte[] ramp = new byte[Cols + 255];
        readonly byte[] observation = new byte[Rows * Cols];

        public override Space ObservationSpace { get { return Obs; } }
        public override Space ActionSpace { get { return Act; } }

        protected override void Outcome(out double reward, out bool terminated, out bool truncated)
        {
            reward = (Acc & 0xFF) / 16.0;
            terminated = truncated = false;
        }

        public override Value ResetInfo() { return Values.EmptyMap(); }
        public override Value StepInfo() { return Values.EmptyMap(); }

        public override Value Observe()
        {
            int b = (int)(unchecked(Key + Acc + 13 * (ulong)T) & 0xFF);
            for (int i = 0; i < ramp.Length; i++) ramp[i] = (byte)((i + b) & 0xFF);
            for (int r = 0; r < Rows; r++) Buffer.BlockCopy(ramp, (7 * r) & 0xFF, observation, r * Cols, Cols);
            // The observation buffer is reused: the session sends it before the next command.
            Tensor tensor = new Tensor { Dtype = Dtype.Uint8 };
            tensor.Shape.Add(Rows);
            tensor.Shape.Add(Cols);
            tensor.SetData(observation, 0, observation.Length);
            return Values.Tensor(tensor);
        }
    }

    sealed class BatchedSub : SubEnv
    {
        static readonly Space Obs = Spaces.Dict(new SpaceDict
        {
            { "t", Spaces.Discrete(8) },
            { "pos", Spaces.Box(Dtype.Int32, -64, 64, 2) },
            { "id", Spaces.Box(Dtype.Uint32, 0, uint.MaxValue) },
        });
        static readonly Space Act = Spaces.Tuple(Spaces.Discrete(3, -1), Spaces.Box(Dtype.Int32, -3, 3));
        readonly int[] pos = new int[2];
        long length, dx, dy;

        public override Space ObservationSpace { get { return Obs; } }
        public override Space ActionSpace { get { return Act; } }

        protected override void OnReset()
        {
            pos[0] = pos[1] = 0;
            length = 2 + Draws.U(Key, 0, 4);
        }

        protected override void AfterStep(Value action)
        {
            dx = action.TupleValue.Items[0].IntValue;
            dy = Tensors.ToArray<int>(action.TupleValue.Items[1].Tensor)[0];
            pos[0] = (int)Math.Max(-64, Math.Min(64, pos[0] + dx));
            pos[1] = (int)Math.Max(-64, Math.Min(64, pos[1] + dy));
        }

        protected override void Outcome(out double reward, out bool terminated, out bool truncated)
        {
            reward = T + dx / 2.0 + dy / 4.0;
            terminated = T >= length;
            truncated = T >= 4;
        }

        public override Value Observe()
        {
            return Values.Map(new ValueDict
            {
                { "t", Values.Int(T) },
                { "pos", Tensors.FromArray(new int[] { pos[0], pos[1] }) },
                { "id", Tensors.Scalar((uint)(Key >> 32)) },
            });
        }

        public override Value ResetInfo() { return Values.Map(new ValueDict { { "len", length } }); }

        public override Value StepInfo() { return Values.Map(new ValueDict { { "pos_sum", (long)pos[0] + pos[1] } }); }
    }
}
