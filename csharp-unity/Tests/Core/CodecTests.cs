using System;
using NUnit.Framework;
using Rlay.Protocol;

namespace Rlay.Tests
{
    /// <summary>The generated codecs against encodings worked out by hand from the protobuf spec.</summary>
    [TestFixture]
    public class CodecTests
    {
        [Test]
        public void AGatheredFrameIsTheSameBytesWithLargeTensorsSentInPlace()
        {
            var big = new byte[Framing.GatherMinBytes + 3];
            for (int i = 0; i < big.Length; i++) big[i] = (byte)(i * 7);
            var small = Tensors.FromArray(new float[] { 1.5f, -2f });
            var batch = new Tensor { Dtype = Dtype.Uint8 };
            batch.Shape.Add(1);
            batch.Shape.Add(big.Length);
            batch.SetData(big, 0, big.Length);
            var response = new SessionResponse
            {
                Step = new StepResponse { Observations = Values.Tensor(batch), Rewards = small, Terminated = Tensors.FromArray(new[] { true }) },
            };
            byte[] whole = Framing.Encode(response);
            byte[] buffer = null;
            var segments = new System.Collections.Generic.List<ArraySegment<byte>>();
            int total = Framing.EncodeGather(response, ref buffer, segments);
            Assert.AreEqual(whole.Length, total);
            Assert.AreEqual(3, segments.Count, "header and fields before, the tensor in place, the fields after");
            Assert.AreSame(big, segments[1].Array, "the large tensor is not copied");
            var joined = new byte[total];
            int at = 0;
            foreach (ArraySegment<byte> segment in segments)
            {
                Buffer.BlockCopy(segment.Array, segment.Offset, joined, at, segment.Count);
                at += segment.Count;
            }
            Assert.AreEqual(total, at);
            Bytes.AreEqual(whole, joined, "gathered frame");
            // Small messages stay one piece.
            Framing.EncodeGather(new SessionResponse { Step = new StepResponse { Rewards = small } }, ref buffer, segments);
            Assert.AreEqual(1, segments.Count);
        }

        [Test]
        public void TensorFieldsInNumberOrderWithPackedShape()
        {
            Tensor t = new Tensor { Dtype = Dtype.Float32 };
            t.Shape.Add(2);
            t.Shape.Add(300);
            t.Data = new byte[] { 1, 2, 3 };
            // dtype=11 | shape packed [2, 300] (300 = ac 02) | data
            Bytes.AreEqual(Bytes.Hex("080b 1203 02ac02 1a03 010203"), t.ToByteArray(), "tensor");
        }

        [Test]
        public void DefaultsAreOmittedButOneofMembersAreWritten()
        {
            Assert.AreEqual(0, new Tensor().ToByteArray().Length);
            Assert.AreEqual(0, new DiscreteSpace { N = 0, Start = 0 }.ToByteArray().Length);
            Bytes.AreEqual(Bytes.Hex("1000"), new Value { IntValue = 0 }.ToByteArray(), "int 0 in a oneof");
            Bytes.AreEqual(Bytes.Hex("0800"), new Value { BoolValue = false }.ToByteArray(), "false in a oneof");
            Bytes.AreEqual(Bytes.Hex("2200"), new Value { StringValue = "" }.ToByteArray(), "empty string in a oneof");
            Bytes.AreEqual(Bytes.Hex("0800"), new Seed { Value = 0 }.ToByteArray(), "seed 0 is not no seed");
            Assert.AreEqual(0, new Seed().ToByteArray().Length);
            // An empty sub-message is present: tag and zero length.
            Bytes.AreEqual(Bytes.Hex("2200"), new SessionRequest { Render = new RenderRequest() }.ToByteArray(), "render");
        }

        [Test]
        public void NegativeIntegersAndEnumsUseTenByteVarints()
        {
            Bytes.AreEqual(Bytes.Hex("10ffffffffffffffffff01"), new Value { IntValue = -1 }.ToByteArray(), "int64 -1");
            Tensor t = new Tensor { Dtype = (Dtype)(-2) };
            Bytes.AreEqual(Bytes.Hex("08feffffffffffffffff01"), t.ToByteArray(), "enum -2");
            Assert.AreEqual(-2, (int)Tensor.Parse(t.ToByteArray()).Dtype);
        }

        [Test]
        public void NegativeZeroDoubleIsWrittenAndUnsignedMaximaRoundTrip()
        {
            Bytes.AreEqual(Bytes.Hex("41 0000000000000080"), new EnvSpec { RenderFps = -0.0 }.ToByteArray(), "-0.0");
            Assert.AreEqual(0, new EnvSpec { RenderFps = 0.0 }.ToByteArray().Length);
            EnvSpec spec = new EnvSpec { MaxEpisodeSteps = ulong.MaxValue, NumEnvs = uint.MaxValue };
            EnvSpec back = EnvSpec.Parse(spec.ToByteArray());
            Assert.AreEqual(ulong.MaxValue, back.MaxEpisodeSteps);
            Assert.AreEqual(uint.MaxValue, back.NumEnvs);
        }

        [Test]
        public void ErrorIsFieldFifteenAndStringsAreUtf8()
        {
            SessionResponse r = new SessionResponse { Error = new Error { Code = ErrorCode.Env, Message = "λ" } };
            Bytes.AreEqual(Bytes.Hex("7a06 0801 1202cebb"), r.ToByteArray(), "error frame");
            SessionResponse back = SessionResponse.Parse(r.ToByteArray());
            Assert.AreEqual(SessionResponse.KindOneofCase.Error, back.KindCase);
            Assert.AreEqual("λ", back.Error.Message);
        }

        [Test]
        public void NestedValuesRoundTrip()
        {
            Value v = Values.Map(new ValueDict
            {
                { "a", 1 },
                { "b", new ValueTupleList(2.5, "x", null) },
                { "c", new float[] { 1f, 2f } },
                { "d", new ValueDict { { "e", true } } },
            });
            byte[] bytes = v.ToByteArray();
            Value back = Value.Parse(bytes);
            Bytes.AreEqual(bytes, back.ToByteArray(), "re-encoding");
            Assert.AreEqual(Value.KindOneofCase.MapValue, back.KindCase);
            Assert.AreEqual("b", back.MapValue.Entries[1].Key);
            Assert.AreEqual(2.5, back.MapValue.Entries[1].Value.TupleValue.Items[0].FloatValue);
            Assert.AreEqual(Value.KindOneofCase.None, back.MapValue.Entries[1].Value.TupleValue.Items[2].KindCase);
            Assert.AreEqual(new float[] { 1f, 2f }, Tensors.ToArray<float>(back.MapValue.Entries[2].Value.Tensor));
        }

        [Test]
        public void ParsedBytesAreViewsIntoTheInput()
        {
            Tensor t = Tensors.FromArray(new byte[] { 9, 8, 7 });
            byte[] frame = t.ToByteArray();
            Tensor back = Tensor.Parse(frame);
            ArraySegment<byte> view = back.DataSegment;
            Assert.IsTrue(ReferenceEquals(frame, view.Array), "no copy on parse");
            Assert.AreEqual(3, view.Count);
            Assert.AreEqual(new byte[] { 9, 8, 7 }, back.Data);
        }

        [Test]
        public void UnknownFieldsAreSkippedAndPackedOrNotBothParse()
        {
            // field 99 varint, field 98 fixed64, field 97 bytes, field 96 fixed32, then dtype=1
            byte[] data = Bytes.Hex("98060f 910601020304050607 08 8a0602abcd 850601020304 0801");
            Assert.AreEqual(Dtype.Bool, Tensor.Parse(data).Dtype);
            Tensor unpacked = Tensor.Parse(Bytes.Hex("1003 1004"));
            Assert.AreEqual(new long[] { 3, 4 }, unpacked.Shape.ToArray());
            // Re-encoding packs them.
            Bytes.AreEqual(Bytes.Hex("12020304"), unpacked.ToByteArray(), "packed");
        }

        [Test]
        public void MalformedInputIsAProtocolException()
        {
            Assert.Throws<ProtocolException>(() => Tensor.Parse(Bytes.Hex("08")), "truncated varint");
            Assert.Throws<ProtocolException>(() => Tensor.Parse(Bytes.Hex("1a05 0102")), "length past the end");
            Assert.Throws<ProtocolException>(() => Tensor.Parse(Bytes.Hex("0f")), "wire type 7");
            Assert.Throws<ProtocolException>(() => Tensor.Parse(Bytes.Hex("00")), "field 0");
            Assert.Throws<ProtocolException>(() => Value.Parse(Bytes.Hex("2202 c328")), "invalid UTF-8");
            Assert.Throws<ProtocolException>(() => Tensor.Parse(Bytes.Hex("1202 0280 01")), "varint across a packed field's end");
            // Values nested deeper than ProtoReader.MaxDepth cannot overflow the stack.
            Assert.Throws<ProtocolException>(() => Value.Parse(Nest(ProtoReader.MaxDepth + 1)));
            Assert.AreEqual(Value.KindOneofCase.ListValue, Value.Parse(Nest(40)).KindCase);
        }

        static byte[] Nest(int depth)
        {
            // Value{list_value{items{list_value{...}}}}: each level is 3a LEN 0a LEN ...
            byte[] inner = new byte[0];
            for (int i = 0; i < depth; i++)
            {
                byte[] items = Wrap(0x0a, inner);
                inner = Wrap(0x3a, items);
            }
            return inner;
        }

        static byte[] Wrap(byte tag, byte[] body)
        {
            int lengthSize = ProtoWriter.SizeOfLength(body.Length);
            byte[] result = new byte[1 + lengthSize + body.Length];
            ProtoWriter w = new ProtoWriter(result, 0, result.Length);
            w.WriteTag(tag);
            w.WriteBytes(body, 0, body.Length);
            return result;
        }

        [Test]
        public void WriterRefusesToOverrunItsBuffer()
        {
            Tensor t = Tensors.FromArray(new byte[] { 1, 2, 3 });
            byte[] small = new byte[2];
            Assert.Throws<InvalidOperationException>(() => t.WriteTo(new ProtoWriter(small, 0, small.Length)));
        }
    }
}
