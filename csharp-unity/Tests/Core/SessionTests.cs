using System;
using System.Net.Sockets;
using System.Threading;
using NUnit.Framework;
using Rlay.Protocol;
using Rlay.Transports;

namespace Rlay.Tests
{
    /// <summary>A counter: observation [t], action Discrete(3); action 2 makes the env throw.</summary>
    sealed class CounterEnv : IEnvironment
    {
        long t;
        public int Closed;

        public EnvSpec Open(string renderMode)
        {
            if (renderMode != null) throw new InvalidValueException("no render mode '" + renderMode + "'");
            return EnvSpecs.Create("Counter-v0", Spaces.Box(Dtype.Int64, 0, 100, 1), Spaces.Discrete(3));
        }

        public void Reset(ResetArgs args, ResetResult result)
        {
            t = args.Seeds != null && args.Seeds[0].HasValue ? (long)args.Seeds[0].Value : 0;
            result.Observations[0] = Values.Tensor(Tensors.FromArray(new long[] { t }));
        }

        public void Step(Value[] actions, StepResult result)
        {
            if (actions[0].IntValue == 2) throw new InvalidOperationException("the counter jammed");
            t += actions[0].IntValue;
            result.Observations[0] = Values.Tensor(Tensors.FromArray(new long[] { t }));
            result.Rewards[0] = 0.5;
            result.Terminated[0] = t >= 3;
            result.Infos[0] = Values.Map(new ValueDict { { "t", t } });
        }

        public Value[] Render() { throw new UnimplementedException("no frames"); }

        public Value Call(string name, Value value)
        {
            if (name == "echo") return value;
            throw new UnimplementedException("no call named " + name);
        }

        public void Close() { Interlocked.Increment(ref Closed); }
    }

    /// <summary>The agent side, frame by frame, for the tests.</summary>
    sealed class RawAgent : IDisposable
    {
        readonly IConnection connection;

        public RawAgent(Address address)
        {
            connection = Transport.Dial(address, 5000);
        }

        public void Send(SessionRequest request)
        {
            byte[] frame = Framing.Encode(request);
            connection.SendFrame(frame, 0, frame.Length);
        }

        public void SendBytes(byte[] data)
        {
            connection.SendFrame(data, 0, data.Length);
        }

        public SessionResponse Receive()
        {
            byte[] payload = connection.ReceiveFrame(5000, 5000);
            return SessionResponse.Parse(payload);
        }

        public SessionResponse RoundTrip(SessionRequest request)
        {
            Send(request);
            return Receive();
        }

        /// <summary>True when the peer closed the connection (within 5 s).</summary>
        public bool IsClosedByPeer()
        {
            try
            {
                connection.ReceiveFrame(5000, 5000);
                return false;
            }
            catch (ConnectionClosedException)
            {
                return true;
            }
        }

        public static SessionRequest Hello(uint major, uint minor = 0, string token = "")
        {
            return new SessionRequest
            {
                Hello = new Hello
                {
                    ProtocolVersion = new ProtocolVersion { Major = major, Minor = minor },
                    Implementation = "rlay-tests",
                    ImplementationVersion = "9.9",
                    Token = token,
                },
            };
        }

        public static SessionRequest Step(long action)
        {
            Tensor batch = Tensors.FromArray(new long[] { action });
            return new SessionRequest { Step = new StepRequest { Actions = Values.Tensor(batch) } };
        }

        public void Dispose()
        {
            connection.Close();
        }
    }

    [TestFixture]
    public class SessionTests
    {
        static Server Start(EnvSessionOptions options = null)
        {
            Server server = new Server(() => new CounterEnv(), "tcp://127.0.0.1:0", options);
            server.Start();
            return server;
        }

        [Test]
        public void AFullSessionAnswersEveryCommandOnce()
        {
            using (Server server = Start())
            using (RawAgent agent = new RawAgent(server.Address))
            {
                SessionResponse hello = agent.RoundTrip(RawAgent.Hello(1, 3));
                Assert.AreEqual(SessionResponse.KindOneofCase.Hello, hello.KindCase, "a different minor is accepted");
                Assert.AreEqual(1u, hello.Hello.ProtocolVersion.Major);
                Assert.AreEqual("Counter-v0", hello.Hello.EnvSpec.EnvId);
                Assert.AreEqual(1u, hello.Hello.EnvSpec.NumEnvs);

                SessionResponse early = agent.RoundTrip(RawAgent.Step(1));
                Assert.AreEqual(ErrorCode.FailedPrecondition, early.Error.Code);

                ResetRequest reset = new ResetRequest();
                reset.Seeds.Add(new Seed { Value = 1 });
                SessionResponse r = agent.RoundTrip(new SessionRequest { Reset = reset });
                Assert.AreEqual(new long[] { 1 }, Tensors.ToArray<long>(r.Reset.Observations.Tensor));
                Assert.AreEqual(0, r.Reset.Infos.Count, "empty infos are left out");

                SessionResponse s = agent.RoundTrip(RawAgent.Step(1));
                Assert.AreEqual(new long[] { 1, 1 }, s.Step.Observations.Tensor.Shape.ToArray());
                Assert.AreEqual(new long[] { 2 }, Tensors.ToArray<long>(s.Step.Observations.Tensor));
                Assert.AreEqual(new double[] { 0.5 }, Tensors.ToArray<double>(s.Step.Rewards));
                Assert.AreEqual(new bool[] { false }, Tensors.ToArray<bool>(s.Step.Terminated));
                Assert.AreEqual(2, Values.Get(s.Step.Infos[0], "t").IntValue);

                SessionResponse jam = agent.RoundTrip(RawAgent.Step(2));
                Assert.AreEqual(ErrorCode.Env, jam.Error.Code);
                StringAssert.Contains("the counter jammed", jam.Error.Message);

                SessionResponse bad = agent.RoundTrip(RawAgent.Step(7));
                Assert.AreEqual(ErrorCode.InvalidArgument, bad.Error.Code);
                StringAssert.Contains("actions[0]", bad.Error.Message);

                SessionResponse echo = agent.RoundTrip(new SessionRequest { Call = new CallRequest { Name = "echo", Value = Values.String("hi") } });
                Assert.AreEqual("hi", echo.Call.Value.StringValue);
                SessionResponse unknown = agent.RoundTrip(new SessionRequest { Call = new CallRequest { Name = "fly" } });
                Assert.AreEqual(ErrorCode.Unimplemented, unknown.Error.Code);

                SessionResponse again = agent.RoundTrip(RawAgent.Step(1));
                Assert.AreEqual(new bool[] { true }, Tensors.ToArray<bool>(again.Step.Terminated), "the session went on after the errors");

                Assert.AreEqual(SessionResponse.KindOneofCase.Close, agent.RoundTrip(new SessionRequest { Close = new CloseRequest() }).KindCase);
                Assert.IsTrue(agent.IsClosedByPeer());
            }
        }

        [Test]
        public void VersionMismatchNamesBothVersionsAndCloses()
        {
            using (Server server = Start())
            using (RawAgent agent = new RawAgent(server.Address))
            {
                SessionResponse r = agent.RoundTrip(RawAgent.Hello(2, 1));
                Assert.AreEqual(ErrorCode.VersionMismatch, r.Error.Code);
                StringAssert.Contains("2.1", r.Error.Message);
                StringAssert.Contains("1.0", r.Error.Message);
                Assert.IsTrue(agent.IsClosedByPeer());
            }
        }

        [Test]
        public void WrongTokenIsRefused()
        {
            using (Server server = Start(new EnvSessionOptions { Token = "s3cret" }))
            {
                using (RawAgent agent = new RawAgent(server.Address))
                {
                    Assert.AreEqual(ErrorCode.Unauthenticated, agent.RoundTrip(RawAgent.Hello(1, 0, "guess")).Error.Code);
                    Assert.IsTrue(agent.IsClosedByPeer());
                }
                using (RawAgent agent = new RawAgent(server.Address))
                    Assert.AreEqual(SessionResponse.KindOneofCase.Hello, agent.RoundTrip(RawAgent.Hello(1, 0, "s3cret")).KindCase);
            }
        }

        [Test]
        public void GarbageGetsAProtocolErrorAndOversizedAFrameTooLarge()
        {
            using (Server server = Start())
            {
                using (RawAgent agent = new RawAgent(server.Address))
                {
                    agent.SendBytes(Bytes.Hex("03000000 ffffff"));
                    Assert.AreEqual(ErrorCode.Protocol, agent.Receive().Error.Code);
                    Assert.IsTrue(agent.IsClosedByPeer());
                }
                using (RawAgent agent = new RawAgent(server.Address))
                {
                    agent.RoundTrip(RawAgent.Hello(1));
                    agent.SendBytes(Bytes.Hex("ffffffff"));
                    SessionResponse r = agent.Receive();
                    Assert.AreEqual(ErrorCode.FrameTooLarge, r.Error.Code);
                    StringAssert.Contains("4294967295", r.Error.Message);
                    Assert.IsTrue(agent.IsClosedByPeer());
                }
                using (RawAgent agent = new RawAgent(server.Address))
                {
                    Assert.AreEqual(ErrorCode.Protocol, agent.RoundTrip(new SessionRequest { Close = new CloseRequest() }).Error.Code, "hello must come first");
                }
            }
        }

        [Test]
        public void AnIdleConnectionDoesNotBlockOthers()
        {
            using (Server server = Start(new EnvSessionOptions { HelloTimeoutMs = 500, FrameTimeoutMs = 500 }))
            using (RawAgent silent = new RawAgent(server.Address))
            using (RawAgent half = new RawAgent(server.Address))
            {
                half.SendBytes(Bytes.Hex("40000000 0a"));
                using (RawAgent agent = new RawAgent(server.Address))
                    Assert.AreEqual(SessionResponse.KindOneofCase.Hello, agent.RoundTrip(RawAgent.Hello(1)).KindCase);
                Assert.IsTrue(silent.IsClosedByPeer(), "a silent agent is dropped after the hello timeout");
                Assert.IsTrue(half.IsClosedByPeer(), "a half frame is dropped after the frame timeout");
            }
        }

        [Test]
        public void StopClosesSessionsAndEnvironments()
        {
            CounterEnv env = new CounterEnv();
            Server server = new Server(() => env, "tcp://127.0.0.1:0");
            server.Start();
            using (RawAgent agent = new RawAgent(server.Address))
            {
                agent.RoundTrip(RawAgent.Hello(1));
                server.Stop(5000);
                Assert.IsTrue(agent.IsClosedByPeer());
                Assert.AreEqual(1, env.Closed);
            }
            Assert.Throws<TimeoutException>(() => Transport.Dial(server.Address, 300), "nothing listens any more");
        }

        [Test]
        public void DialerServesOneSessionIntoAListener()
        {
            using (IListener listener = Transport.Listen(Address.Parse("tcp://127.0.0.1:0")))
            {
                SessionEnd end = SessionEnd.Lost;
                Thread env = new Thread(() => end = Dialer.Serve(new CounterEnv(), listener.Address.ToString()));
                env.Start();
                using (IConnection c = listener.Accept(5000))
                {
                    byte[] frame = Framing.Encode(RawAgent.Hello(1));
                    c.SendFrame(frame, 0, frame.Length);
                    Assert.AreEqual(SessionResponse.KindOneofCase.Hello, SessionResponse.Parse(c.ReceiveFrame(5000, 5000)).KindCase);
                    frame = Framing.Encode(new SessionRequest { Close = new CloseRequest() });
                    c.SendFrame(frame, 0, frame.Length);
                    Assert.AreEqual(SessionResponse.KindOneofCase.Close, SessionResponse.Parse(c.ReceiveFrame(5000, 5000)).KindCase);
                }
                Assert.IsTrue(env.Join(5000));
                Assert.AreEqual(SessionEnd.Closed, end);
            }
        }
    }

    [TestFixture]
    public class FramingTests
    {
        [Test]
        public void FramesAreLengthPrefixedLittleEndian()
        {
            byte[] buffer = null;
            int count = Framing.Encode(new Value { IntValue = 300 }, ref buffer);
            Assert.AreEqual(7, count);
            Bytes.AreEqual(Bytes.Hex("03000000 10ac02"), Copy(buffer, count), "frame");
            byte[] kept = buffer;
            Framing.Encode(new Value { IntValue = 1 }, ref buffer);
            Assert.IsTrue(ReferenceEquals(kept, buffer), "the buffer is reused");
        }

        [Test]
        public void OversizedLengthIsRefusedBeforeAllocating()
        {
            FrameTooLargeException e = Assert.Throws<FrameTooLargeException>(
                () => Framing.CheckedLength(Bytes.Hex("01000010"), 0, Framing.DefaultMaxFrameSize));
            Assert.AreEqual(0x10000001L, e.Size);
            Assert.AreEqual(Framing.DefaultMaxFrameSize, e.Limit);
            Assert.AreEqual(16, Framing.CheckedLength(Bytes.Hex("10000000"), 0, 16));
        }

        [Test]
        public void ReceiveTimesOutAndSeesTruncatedFrames()
        {
            using (IListener listener = Transport.Listen(Address.Parse("tcp://127.0.0.1:0")))
            {
                IConnection client = Transport.Dial(listener.Address, 2000);
                IConnection server = listener.Accept(2000);
                server.MaxFrameSize = 1024;
                Assert.Throws<TimeoutException>(() => server.ReceiveFrame(100, 100));
                byte[] big = Bytes.Hex("01040000");
                client.SendFrame(big, 0, big.Length);
                Assert.Throws<FrameTooLargeException>(() => server.ReceiveFrame(1000, 1000));
                IConnection client2 = Transport.Dial(listener.Address, 2000);
                IConnection server2 = listener.Accept(2000);
                byte[] half = Bytes.Hex("08000000 0102");
                client2.SendFrame(half, 0, half.Length);
                client2.Close();
                ConnectionClosedException closed = Assert.Throws<ConnectionClosedException>(() => server2.ReceiveFrame(1000, 1000));
                StringAssert.Contains("middle of a frame", closed.Message);
                client.Close();
                server.Close();
                server2.Close();
            }
        }

        [Test]
        public void ListeningOnATakenPortIsAddressInUse()
        {
            using (IListener first = Transport.Listen(Address.Parse("tcp://127.0.0.1:0")))
                Assert.Throws<AddressInUseException>(() => Transport.Listen(first.Address));
        }

        static byte[] Copy(byte[] buffer, int count)
        {
            byte[] result = new byte[count];
            Buffer.BlockCopy(buffer, 0, result, 0, count);
            return result;
        }
    }
}
