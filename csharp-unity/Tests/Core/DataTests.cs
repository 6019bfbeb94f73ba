using System;
using NUnit.Framework;
using Rlay.Protocol;

namespace Rlay.Tests
{
    [TestFixture]
    public class TensorTests
    {
        [Test]
        public void EveryDtypeRoundTripsLittleEndian()
        {
            Assert.AreEqual(new long[] { long.MinValue, -1, long.MaxValue }, Tensors.ToArray<long>(Tensors.FromArray(new long[] { long.MinValue, -1, long.MaxValue })));
            Assert.AreEqual(new ulong[] { ulong.MaxValue, 1 }, Tensors.ToArray<ulong>(Tensors.FromArray(new ulong[] { ulong.MaxValue, 1 })));
            Assert.AreEqual(new sbyte[] { -128, 127 }, Tensors.ToArray<sbyte>(Tensors.FromArray(new sbyte[] { -128, 127 })));
            Assert.AreEqual(new short[] { -2, 3 }, Tensors.ToArray<short>(Tensors.FromArray(new short[] { -2, 3 })));
            Assert.AreEqual(new ushort[] { 65535 }, Tensors.ToArray<ushort>(Tensors.FromArray(new ushort[] { 65535 })));
            Assert.AreEqual(new uint[] { 4000000000 }, Tensors.ToArray<uint>(Tensors.FromArray(new uint[] { 4000000000 })));
            Assert.AreEqual(new double[] { -0.5, double.PositiveInfinity }, Tensors.ToArray<double>(Tensors.FromArray(new double[] { -0.5, double.PositiveInfinity })));
            Tensor i32 = Tensors.FromArray(new int[] { 1, -2 }, 2, 1);
            Assert.AreEqual(Dtype.Int32, i32.Dtype);
            Assert.AreEqual(new long[] { 2, 1 }, i32.Shape.ToArray());
            Bytes.AreEqual(Bytes.Hex("01000000feffffff"), i32.Data, "little-endian int32");
            Tensor flags = Tensors.FromArray(new bool[] { true, false, true });
            Bytes.AreEqual(Bytes.Hex("010001"), flags.Data, "bools are bytes 0/1");
            Assert.AreEqual(new bool[] { true, false, true }, Tensors.ToArray<bool>(flags));
        }

        [Test]
        public void ScalarsHaveAnEmptyShape()
        {
            Tensor t = Tensors.Scalar(7u);
            Assert.AreEqual(0, t.Shape.Count);
            Assert.AreEqual(new uint[] { 7 }, Tensors.ToArray<uint>(t));
        }

        [Test]
        public void Float16ConvertsExactlyAndRoundsToNearestEven()
        {
            Assert.AreEqual(0x3C00, Float16.FromFloat(1f));
            Assert.AreEqual(0xC000, Float16.FromFloat(-2f));
            Assert.AreEqual(0x7BFF, Float16.FromFloat(65504f));
            Assert.AreEqual(0x7C00, Float16.FromFloat(65520f), "rounds up to infinity");
            Assert.AreEqual(0x0001, Float16.FromFloat(5.9604645e-8f), "smallest subnormal");
            Assert.AreEqual(0x3C00, Float16.FromFloat(1f + 1f / 2048f), "tie goes to even");
            Assert.AreEqual(0x3C02, Float16.FromFloat(1f + 3f / 2048f), "tie goes to even (up)");
            for (int bits = 0; bits < 0x7C00; bits += 7)
                Assert.AreEqual(bits, Float16.FromFloat(Float16.ToFloat((ushort)bits)), "half " + bits);
            Tensor t = Tensors.FromFloat16(new float[] { -0.625f, 4f });
            Assert.AreEqual(Dtype.Float16, t.Dtype);
            Assert.AreEqual(new float[] { -0.625f, 4f }, Tensors.ToFloat16Array(t));
        }

        [Test]
        public void FillReusesItsOwnBufferOnly()
        {
            Tensor t = new Tensor();
            Tensors.Fill(t, new float[] { 1, 2 }, 2);
            byte[] first = t.DataSegment.Array;
            Tensors.Fill(t, new float[] { 3, 4 }, 2);
            Assert.IsTrue(ReferenceEquals(first, t.DataSegment.Array), "steady state reuses the buffer");
            Assert.AreEqual(new float[] { 3, 4 }, Tensors.ToArray<float>(t));
            byte[] mine = new byte[8];
            t.SetData(mine, 0, 8);
            Tensors.Fill(t, new float[] { 5, 6 }, 2);
            Assert.IsFalse(ReferenceEquals(mine, t.DataSegment.Array), "a caller's array is never overwritten");
            Assert.AreEqual(new byte[8], mine);
        }

        [Test]
        public void MismatchesAreInvalidValues()
        {
            Assert.Throws<InvalidValueException>(() => Tensors.FromArray(new float[] { 1, 2, 3 }, 2, 2));
            Tensor t = Tensors.FromArray(new float[] { 1, 2 });
            Assert.Throws<InvalidValueException>(() => Tensors.ToArray<int>(t));
            t.Shape.Add(5);
            Assert.Throws<InvalidValueException>(() => Tensors.Validate(t));
            Assert.Throws<InvalidValueException>(() => Tensors.ItemSize((Dtype)99));
        }
    }

    [TestFixture]
    public class SpaceAndValueTests
    {
        static Space ActionSpace()
        {
            return Spaces.Dict(new SpaceDict
            {
                { "arm", Spaces.Box(-1f, 1f, 3) },
                { "grip", Spaces.Discrete(3, -1) },
                { "say", Spaces.Text(4, 0, "ab") },
                { "pick", Spaces.OneOf(Spaces.Discrete(2), Spaces.MultiBinary(2)) },
            });
        }

        static Value Element(float x, long grip, string say)
        {
            return Values.Map(new ValueDict
            {
                { "arm", Tensors.FromArray(new float[] { x, 0, 0 }) },
                { "grip", grip },
                { "say", say },
                { "pick", Values.OneOf(1, Values.Tensor(Tensors.FromArray(new sbyte[] { 1, 0 }))) },
            });
        }

        [Test]
        public void BoxBuildersGiveDtypeShapeAndBounds()
        {
            Space box = Spaces.Box(Dtype.Uint8, 0, 255, 84, 84, 3);
            Assert.AreEqual(Dtype.Uint8, box.Box.Dtype);
            Assert.AreEqual(new long[] { 84, 84, 3 }, box.Box.Shape.ToArray());
            Assert.AreEqual(84 * 84 * 3, box.Box.High.Data.Length);
            Assert.AreEqual(255, box.Box.High.Data[100]);
            Space discrete = Spaces.Discrete(5, -2);
            Assert.AreEqual(5, discrete.Discrete.N);
            Assert.AreEqual(-2, discrete.Discrete.Start);
            Space md = Spaces.MultiDiscrete(new long[] { 3, 4 }, new long[] { 1, -1 });
            Assert.AreEqual(new long[] { 1, -1 }, Tensors.ToArray<long>(md.MultiDiscrete.Start));
            Space dict = ActionSpace();
            Assert.AreEqual("arm", dict.Dict.Entries[0].Key);
            Assert.AreEqual("pick", dict.Dict.Entries[3].Key);
            Assert.AreEqual(Space.KindOneofCase.OneOf, dict.Dict.Entries[3].Space.KindCase);
            Assert.Throws<InvalidValueException>(() => Spaces.Discrete(0));
            Assert.Throws<ArgumentException>(() => new SpaceDict { { "a", discrete }, { "a", discrete } });
        }

        [Test]
        public void BatchAndUnbatchAreInverse()
        {
            Space space = ActionSpace();
            Value batch = SpaceValues.Batch(space, new[] { Element(0.5f, -1, "ab"), Element(-1f, 1, "") });
            Value arm = Values.Get(batch, "arm");
            Assert.AreEqual(new long[] { 2, 3 }, arm.Tensor.Shape.ToArray());
            Assert.AreEqual(new long[] { -1, 1 }, Tensors.ToArray<long>(Values.Get(batch, "grip").Tensor));
            Assert.AreEqual(2, Values.Get(batch, "say").ListValue.Items.Count);
            Value[] back = SpaceValues.Unbatch(space, Value.Parse(batch.ToByteArray()), 2, "actions");
            Assert.AreEqual(2, back.Length);
            Assert.AreEqual(new float[] { -1f, 0, 0 }, Tensors.ToArray<float>(Values.Get(back[1], "arm").Tensor));
            Assert.AreEqual(1, Values.Get(back[1], "grip").IntValue);
            Assert.AreEqual("ab", Values.Get(back[0], "say").StringValue);
            Bytes.AreEqual(Element(0.5f, -1, "ab").ToByteArray(), back[0].ToByteArray(), "element 0");
        }

        [Test]
        public void BadActionsNameThePath()
        {
            Space space = ActionSpace();
            Value batch = SpaceValues.Batch(space, new[] { Element(0.5f, 0, "a") });
            Values.Get(batch, "arm").Tensor = Tensors.FromArray(new float[] { 1, 2 }, 1, 2);
            InvalidValueException e = Assert.Throws<InvalidValueException>(() => SpaceValues.Unbatch(space, batch, 1, "actions"));
            Assert.AreEqual("actions['arm']: expected shape (1, 3), got (1, 2)", e.Message);
            Assert.Throws<InvalidValueException>(() => SpaceValues.Batch(space, new[] { Element(2f, 0, "a") }), "out of bounds");
            Assert.Throws<InvalidValueException>(() => SpaceValues.Batch(space, new[] { Element(0f, 2, "a") }), "out of Discrete");
            e = Assert.Throws<InvalidValueException>(() => SpaceValues.Batch(space, new[] { Element(0f, 0, "abc!") }));
            StringAssert.Contains("observations[0]['say']", e.Message);
            Assert.Throws<InvalidValueException>(() => SpaceValues.Unbatch(space, Values.Int(3), 1, "actions"), "wrong kind");
        }

        [Test]
        public void BoxBoundsAreCheckedForEveryDtypeAndNameTheFirstElementOutside()
        {
            Dtype[] dtypes = { Dtype.Uint8, Dtype.Int8, Dtype.Int16, Dtype.Uint16, Dtype.Int32, Dtype.Uint32, Dtype.Int64, Dtype.Uint64, Dtype.Float16, Dtype.Float32, Dtype.Float64 };
            foreach (Dtype dtype in dtypes)
            {
                Space space = Spaces.Box(dtype, 2, 5, 4);
                var inside = new Tensor { Dtype = dtype };
                inside.Shape.Add(4);
                int size = Tensors.ItemSize(dtype);
                var data = new byte[4 * size];
                var low = Spaces.Box(dtype, 2, 5, 4).Box.Low.DataSegment;
                var high = Spaces.Box(dtype, 2, 5, 4).Box.High.DataSegment;
                // Elements 0 and 1 at the bounds (inside), 2 at the upper bound, 3 at the lower.
                Buffer.BlockCopy(low.Array, low.Offset, data, 0, size);
                Buffer.BlockCopy(high.Array, high.Offset, data, size, size);
                Buffer.BlockCopy(high.Array, high.Offset, data, 2 * size, size);
                Buffer.BlockCopy(low.Array, low.Offset, data, 3 * size, size);
                inside.SetData(data, 0, data.Length);
                SpaceValues.CheckElement(space, Values.Tensor(inside), "x");
                // Element 2 above high: zero it, then write the value 6 (little-endian) or 6.0.
                var bad = (byte[])data.Clone();
                Buffer.BlockCopy(Six(dtype), 0, bad, 2 * size, size);
                var outside = new Tensor { Dtype = dtype };
                outside.Shape.Add(4);
                outside.SetData(bad, 0, bad.Length);
                var e = Assert.Throws<InvalidValueException>(() => SpaceValues.CheckElement(space, Values.Tensor(outside), "x"), Tensors.Name(dtype));
                StringAssert.StartsWith("x: element 2 = 6 is outside the Box bounds", e.Message, Tensors.Name(dtype));
            }
            var nan = Tensors.FromArray(new float[] { 3f, float.NaN });
            Assert.Throws<InvalidValueException>(() => SpaceValues.CheckElement(Spaces.Box(0f, 5f, 2), Values.Tensor(nan), "x"), "NaN is outside");
        }

        static byte[] Six(Dtype dtype)
        {
            switch (dtype)
            {
                case Dtype.Float16: return BitConverter.GetBytes(Float16.FromFloat(6f));
                case Dtype.Float32: return BitConverter.GetBytes(6f);
                case Dtype.Float64: return BitConverter.GetBytes(6.0);
                default: return BitConverter.GetBytes(6L); // little-endian: the low bytes come first
            }
        }

        [Test]
        public void GenericValuesMapCSharpObjects()
        {
            Assert.AreEqual(Value.KindOneofCase.None, Values.Of(null).KindCase);
            Assert.AreEqual(Value.KindOneofCase.IntValue, Values.Of(3).KindCase);
            Assert.AreEqual(Value.KindOneofCase.FloatValue, Values.Of(0.5f).KindCase);
            Assert.AreEqual(Value.KindOneofCase.Tensor, Values.Of(ulong.MaxValue).KindCase, "uint64 beyond int64 keeps its value");
            Assert.AreEqual(Value.KindOneofCase.ListValue, Values.Of(new System.Collections.Generic.List<object> { 1, "a" }).KindCase);
            Assert.AreEqual(Value.KindOneofCase.TupleValue, Values.Of(new ValueTupleList(1, 2)).KindCase);
            ValueDict back = (ValueDict)Values.ToObject(Values.Of(new ValueDict { { "z", 1 }, { "a", "b" } }));
            Assert.AreEqual(1L, back["z"]);
            Assert.AreEqual("b", back["a"]);
            Assert.Throws<InvalidValueException>(() => Values.Of(new object()));
        }

        [Test]
        public void AddressesParse()
        {
            Address a = Address.Parse("tcp://10.0.0.2:5005");
            Assert.AreEqual("10.0.0.2", a.Host);
            Assert.AreEqual(5005, a.Port);
            Assert.AreEqual("tcp://10.0.0.2:5005", a.ToString());
            Assert.AreEqual("127.0.0.1", Address.Parse("tcp://:0").Host);
            Assert.AreEqual("/tmp/x.sock", Address.Parse("unix:///tmp/x.sock").Path);
            Assert.Throws<InvalidAddressException>(() => Address.Parse("localhost:5005"));
            Assert.Throws<InvalidAddressException>(() => Address.Parse("tcp://host:99999"));
            Assert.Throws<InvalidAddressException>(() => Address.Parse("grpc://host:1"));
            Assert.Throws<InvalidAddressException>(() => Address.Parse("unix://relative"));
        }
    }
}
