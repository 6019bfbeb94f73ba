// NUnit tests of the engine-independent glue (Runtime/Unity: Lockstep,
// Threading, Connection, LaunchOptions). check_glue.py compiles them with the
// core and those files only (no UnityEngine at all) and runs them under mono.
// Kept to the NUnit subset that NUnit 2.6 and Unity's NUnit 3 share.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Threading;
using NUnit.Framework;
using Rlay;
using Rlay.Protocol;
using Rlay.Unity;

namespace Rlay.Unity.Tests
{
    /// <summary>A sub-environment on a line: position += action each fixed step; terminated at EndAt.</summary>
    sealed class LineEnv : ISubEnvironment
    {
        public int Position;
        public int EndAt = 3;
        public int Acts;
        public int Begins;
        public ulong? LastSeed;
        public Value LastOptions;
        double reward;
        bool terminated;
        bool truncated;
        public int MaxSteps;
        int steps;
        public Space Obs = Spaces.Box(-100f, 100f, 1);

        public Space ObservationSpace { get { return Obs; } }

        public Space ActionSpace { get { return Spaces.Discrete(3); } }

        public void BeginEpisode(ulong? seed, Value options)
        {
            Begins++;
            LastSeed = seed;
            LastOptions = options;
            Position = seed.HasValue ? (int)seed.Value : 0;
            reward = 0;
            steps = 0;
            terminated = truncated = false;
        }

        public Value Observe()
        {
            return Values.Tensor(Tensors.FromArray(new float[] { Position }));
        }

        public void Act(Value action, bool firstOfDecision)
        {
            Acts++;
            Position += (int)action.IntValue;
            reward += 1;
            if (Position >= EndAt)
                terminated = true;
        }

        public Value Heuristic() { return Values.Int(1); }

        public void CompleteStep()
        {
            steps++;
            if (MaxSteps > 0 && steps >= MaxSteps)
                truncated = true;
        }

        public double TakeReward()
        {
            double r = reward;
            reward = 0;
            return r;
        }

        public bool IsTerminated { get { return terminated; } }

        public bool IsTruncated { get { return truncated; } }

        public Value TakeInfo() { return null; }

        public Value Render(string mode) { return Values.String(mode + ":" + Position); }
    }

    /// <summary>Runs a controller's main-thread loop (FixedUpdate mode) on a thread of its own.</summary>
    sealed class MainLoop : IDisposable
    {
        readonly LockstepController controller;
        readonly Thread thread;
        volatile bool stop;
        public int FixedSteps;

        public MainLoop(LockstepController controller)
        {
            this.controller = controller;
            thread = new Thread(Run) { IsBackground = true, Name = "fake main thread" };
            thread.Start();
        }

        void Run()
        {
            while (!stop)
            {
                if (!controller.Pump(TimeSpan.FromMilliseconds(20)))
                    continue;
                controller.BeforeFixedStep();
                Interlocked.Increment(ref FixedSteps);
                controller.AfterFixedStep();
                if (!controller.IsRemote)
                    Thread.Sleep(1);
            }
        }

        public void Dispose()
        {
            stop = true;
            Assert.IsTrue(thread.Join(5000), "the fake main thread did not stop");
        }
    }

    [TestFixture]
    public class MainThreadChannelTests
    {
        [Test]
        public void SendTimesOutWhenTheMainThreadNeverTakesTheCommand()
        {
            var channel = new MainThreadChannel();
            var error = Assert.Throws<Rlay.TimeoutException>(() => channel.Send("cmd", TimeSpan.FromMilliseconds(50)));
            StringAssert.Contains("main thread did not pick the command up", error.Message);
            // The abandoned command is skipped, not answered later by mistake.
            Assert.IsNull(channel.Take(TimeSpan.Zero));
        }

        [Test]
        public void AnswerFromTheMainThreadReachesTheSender()
        {
            var channel = new MainThreadChannel();
            var main = new Thread(() =>
            {
                PendingCommand command = channel.Take(TimeSpan.FromSeconds(5));
                command.Complete((string)command.Request + "!");
            });
            main.Start();
            Assert.AreEqual("ping!", channel.Send("ping", TimeSpan.FromSeconds(5)));
            main.Join();
        }

        [Test]
        public void FailureIsRethrownOnTheSenderThread()
        {
            var channel = new MainThreadChannel();
            var main = new Thread(() => channel.Take(TimeSpan.FromSeconds(5)).Fail(new InvalidValueException("bad action")));
            main.Start();
            var error = Assert.Throws<InvalidValueException>(() => channel.Send("x", TimeSpan.FromSeconds(5)));
            Assert.AreEqual("bad action", error.Message);
            main.Join();
        }

        [Test]
        public void CloseWakesAWaitingTakeAtOnce()
        {
            var channel = new MainThreadChannel();
            PendingCommand taken = null;
            DateTime started = DateTime.UtcNow;
            var main = new Thread(() => taken = channel.Take(TimeSpan.FromSeconds(30)));
            main.Start();
            Thread.Sleep(50);
            channel.Close("trainer gone");
            Assert.IsTrue(main.Join(5000));
            Assert.IsNull(taken);
            Assert.IsTrue(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
            Assert.IsTrue(channel.IsClosed);
            Assert.AreEqual("trainer gone", channel.CloseReason);
            Assert.Throws<ChannelClosedException>(() => channel.Send("late", TimeSpan.FromSeconds(1)));
        }

        [Test]
        public void CloseFailsQueuedCommands()
        {
            var channel = new MainThreadChannel();
            Exception seen = null;
            var sender = new Thread(() =>
            {
                try { channel.Send("queued", TimeSpan.FromSeconds(30)); }
                catch (Exception e) { seen = e; }
            });
            sender.Start();
            Thread.Sleep(50);
            channel.Close("bye");
            Assert.IsTrue(sender.Join(5000));
            Assert.IsInstanceOf(typeof(ChannelClosedException), seen);
            StringAssert.Contains("bye", seen.Message);
        }
    }

    [TestFixture]
    public class LaunchOptionsTests
    {
        static IDictionary Vars(params string[] pairs)
        {
            var vars = new Hashtable();
            for (int i = 0; i < pairs.Length; i += 2)
                vars[pairs[i]] = pairs[i + 1];
            return vars;
        }

        [Test]
        public void ReadsEveryFlagSpelling()
        {
            Assert.AreEqual("tcp://a:1", LaunchOptions.Parse(new[] { "game", "-rlay-address", "tcp://a:1" }, null).DialAddress);
            Assert.AreEqual("tcp://a:2", LaunchOptions.Parse(new[] { "game", "--rlay-address", "tcp://a:2" }, null).DialAddress);
            Assert.AreEqual("tcp://a:3", LaunchOptions.Parse(new[] { "game", "--rlay-address=tcp://a:3" }, null).DialAddress);
            Assert.AreEqual("tcp://a:4", LaunchOptions.Parse(new[] { "game", "-batchmode", "-rlay-address=tcp://a:4" }, null).DialAddress);
            Assert.AreEqual("tcp://b:5", LaunchOptions.Parse(new[] { "game", "-rlay-listen", "tcp://b:5" }, null).ListenAddress);
        }

        [Test]
        public void CommandLineBeatsEnvironmentAndTokenComesFromEnvironment()
        {
            LaunchOptions options = LaunchOptions.Parse(new[] { "game", "-rlay-address", "tcp://arg:1" }, Vars("RLAY_ADDRESS", "tcp://env:1", "RLAY_TOKEN", "s3cret"));
            Assert.AreEqual("tcp://arg:1", options.DialAddress);
            Assert.AreEqual("s3cret", options.Token);
            Assert.AreEqual("tcp://env:1", LaunchOptions.Parse(new[] { "game" }, Vars("RLAY_ADDRESS", "tcp://env:1")).DialAddress);
            LaunchOptions none = LaunchOptions.Parse(new[] { "game" }, Vars("RLAY_ADDRESS", ""));
            Assert.IsNull(none.DialAddress);
            Assert.IsNull(none.Token);
        }

        [Test]
        public void FlagWithoutValueIsAnError()
        {
            Assert.Throws<ArgumentException>(() => LaunchOptions.Parse(new[] { "game", "-rlay-address" }, null));
            Assert.Throws<ArgumentException>(() => LaunchOptions.Parse(new[] { "game", "--rlay-address=" }, null));
        }
    }

    [TestFixture]
    public class LockstepControllerTests
    {
        static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

        static LockstepController Controller(params LineEnv[] envs)
        {
            return new LockstepController(new List<ISubEnvironment>(envs));
        }

        static MainThreadEnvironment Attach(LockstepController controller, string renderMode = null)
        {
            EnvSpec spec = EnvSpecs.Create("Line-v0", controller.ObservationSpace, controller.ActionSpace, controller.NumEnvs, controller.AutoresetMode);
            spec.RenderModes.Add("ansi");
            var env = new MainThreadEnvironment(controller, spec, Wait);
            env.Open(renderMode);
            return env;
        }

        static ResetResult Reset(MainThreadEnvironment env, int n, ulong?[] seeds = null)
        {
            var result = new ResetResult(n);
            env.Reset(new ResetArgs { Seeds = seeds }, result);
            return result;
        }

        static StepResult Step(MainThreadEnvironment env, params long[] actions)
        {
            var result = new StepResult(actions.Length);
            var values = new Value[actions.Length];
            for (int i = 0; i < actions.Length; i++)
                values[i] = Values.Int(actions[i]);
            env.Step(values, result);
            return result;
        }

        static float Obs(Value observation)
        {
            return Tensors.ToArray<float>(observation.Tensor)[0];
        }

        [Test]
        public void ResetPassesSeedsAndReturnsFirstObservations()
        {
            var a = new LineEnv();
            var b = new LineEnv();
            LockstepController controller = Controller(a, b);
            MainThreadEnvironment env = Attach(controller);
            using (new MainLoop(controller))
            {
                ResetResult result = Reset(env, 2, new ulong?[] { 7, null });
                Assert.AreEqual((ulong?)7, a.LastSeed);
                Assert.IsNull(b.LastSeed);
                Assert.AreEqual(7f, Obs(result.Observations[0]));
                Assert.AreEqual(0f, Obs(result.Observations[1]));
                env.Close();
            }
        }

        [Test]
        public void StepLastsTheDecisionPeriodAndRepeatsTheAction()
        {
            var a = new LineEnv { EndAt = 1000 };
            LockstepController controller = Controller(a);
            controller.DecisionPeriod = 3;
            MainThreadEnvironment env = Attach(controller);
            using (new MainLoop(controller))
            {
                Reset(env, 1);
                StepResult result = Step(env, 2);
                Assert.AreEqual(3, a.Acts);
                Assert.AreEqual(6f, Obs(result.Observations[0]));
                Assert.AreEqual(3.0, result.Rewards[0]);
                controller.RepeatActions = false;
                result = Step(env, 2);
                Assert.AreEqual(4, a.Acts);
                Assert.AreEqual(8f, Obs(result.Observations[0]));
                env.Close();
            }
        }

        [Test]
        public void NextStepAutoresetIgnoresTheActionAfterTheEnd()
        {
            var a = new LineEnv { EndAt = 2 };
            var b = new LineEnv { EndAt = 100 };
            LockstepController controller = Controller(a, b);
            MainThreadEnvironment env = Attach(controller);
            using (new MainLoop(controller))
            {
                Reset(env, 2);
                Assert.IsFalse(Step(env, 1, 1).Terminated[0]);
                StepResult ending = Step(env, 1, 1);
                Assert.IsTrue(ending.Terminated[0]);
                Assert.IsFalse(ending.Terminated[1]);
                Assert.AreEqual(2f, Obs(ending.Observations[0]));
                int acts = a.Acts;
                StepResult after = Step(env, 2, 1);
                Assert.AreEqual(acts, a.Acts, "the action of a sub-env that ended last step is ignored");
                Assert.AreEqual(0.0, after.Rewards[0]);
                Assert.IsFalse(after.Terminated[0]);
                Assert.AreEqual(0f, Obs(after.Observations[0]));
                Assert.AreEqual(2, a.Begins);
                Assert.AreEqual(3f, Obs(after.Observations[1]));
                env.Close();
            }
        }

        [Test]
        public void SameStepAutoresetReportsTheFinalObservation()
        {
            var a = new LineEnv { EndAt = 2 };
            LockstepController controller = Controller(a);
            controller.AutoresetMode = AutoresetMode.SameStep;
            MainThreadEnvironment env = Attach(controller);
            using (new MainLoop(controller))
            {
                Reset(env, 1);
                StepResult result = Step(env, 2);
                Assert.IsTrue(result.Terminated[0]);
                Assert.AreEqual(1, result.Finals.Count);
                Assert.AreEqual(0u, result.Finals[0].Index);
                Assert.AreEqual(2f, Obs(result.Finals[0].Observation));
                Assert.AreEqual(0f, Obs(result.Observations[0]));
                env.Close();
            }
        }

        [Test]
        public void StepLimitTruncates()
        {
            var a = new LineEnv { EndAt = 1000, MaxSteps = 2 };
            LockstepController controller = Controller(a);
            MainThreadEnvironment env = Attach(controller);
            using (new MainLoop(controller))
            {
                Reset(env, 1);
                Assert.IsFalse(Step(env, 0).Truncated[0]);
                StepResult result = Step(env, 0);
                Assert.IsTrue(result.Truncated[0]);
                Assert.IsFalse(result.Terminated[0]);
                env.Close();
            }
        }

        [Test]
        public void CommandsThatCannotRunAreTypedErrors()
        {
            LockstepController controller = Controller(new LineEnv());
            controller.RegisterCall("double", v => Values.Int(v.IntValue * 2));
            MainThreadEnvironment env = Attach(controller);
            using (new MainLoop(controller))
            {
                var early = Assert.Throws<CommandException>(() => Step(env, 1));
                Assert.AreEqual(ErrorCode.FailedPrecondition, early.Code);
                var render = Assert.Throws<CommandException>(() => env.Render());
                Assert.AreEqual(ErrorCode.FailedPrecondition, render.Code);
                Assert.Throws<UnimplementedException>(() => env.Call("nope", null));
                Assert.AreEqual(42L, env.Call("double", Values.Int(21)).IntValue);
                env.Close();
            }
        }

        [Test]
        public void RenderUsesTheModeTheTrainerAskedFor()
        {
            var a = new LineEnv();
            LockstepController controller = Controller(a);
            MainThreadEnvironment env = Attach(controller, "ansi");
            using (new MainLoop(controller))
            {
                Reset(env, 1, new ulong?[] { 5 });
                Value[] frames = env.Render();
                Assert.AreEqual("ansi:5", frames[0].StringValue);
                env.Close();
            }
        }

        [Test]
        public void UnsupportedRenderModeIsRefusedAtOpen()
        {
            LockstepController controller = Controller(new LineEnv());
            var env = new MainThreadEnvironment(controller, EnvSpecs.Create("Line-v0", controller.ObservationSpace, controller.ActionSpace), Wait);
            var error = Assert.Throws<CommandException>(() => env.Open("rgb_array"));
            Assert.AreEqual(ErrorCode.InvalidArgument, error.Code);
        }

        [Test]
        public void OnlyOneTrainerAtATimeAndTheNextMayComeAfter()
        {
            LockstepController controller = Controller(new LineEnv());
            var detached = new List<string>();
            controller.TrainerDetached += reason => detached.Add(reason);
            MainThreadEnvironment first = Attach(controller);
            using (new MainLoop(controller))
            {
                Reset(first, 1);
                var second = new MainThreadEnvironment(controller, EnvSpecs.Create("Line-v0", controller.ObservationSpace, controller.ActionSpace), Wait);
                var refused = Assert.Throws<CommandException>(() => second.Open(null));
                Assert.AreEqual(ErrorCode.Unavailable, refused.Code);
                first.Close();
                DateTime deadline = DateTime.UtcNow + Wait;
                while (controller.IsRemote && DateTime.UtcNow < deadline)
                    Thread.Sleep(5);
                Assert.IsFalse(controller.IsRemote, "the controller goes back to heuristic control");
                lock (detached)
                    Assert.AreEqual(1, detached.Count);
                MainThreadEnvironment third = Attach(controller);
                Assert.AreEqual(1, Reset(third, 1).Observations.Length);
                third.Close();
            }
        }

        [Test]
        public void HeuristicControlRunsAndRestartsEndedEpisodes()
        {
            var a = new LineEnv { EndAt = 3 };
            LockstepController controller = Controller(a);
            for (int i = 0; i < 10; i++)
            {
                Assert.IsTrue(controller.Pump(TimeSpan.Zero));
                controller.BeforeFixedStep();
                controller.AfterFixedStep();
            }
            Assert.AreEqual(10, a.Acts);
            Assert.IsTrue(a.Begins >= 3, "ended episodes restart on their own (" + a.Begins + " begins)");
            Assert.AreEqual(10, controller.TotalSteps);
        }

        [Test]
        public void SubEnvironmentsMustShareSpaces()
        {
            var odd = new LineEnv { Obs = Spaces.Box(-1f, 1f, 2) };
            Assert.Throws<ArgumentException>(() => Controller(new LineEnv(), odd));
            Assert.Throws<ArgumentException>(() => new LockstepController(new List<ISubEnvironment>()));
        }
    }

    [TestFixture]
    public class WriterAndReaderTests
    {
        [Test]
        public void ObservationMustFillTheSpace()
        {
            var writer = new ObservationWriter(Spaces.Box(-1f, 1f, 3));
            writer.Add(0.5f).Add(1);
            var missing = Assert.Throws<InvalidValueException>(() => writer.Build());
            StringAssert.Contains("observation: 2 of 3", missing.Message);
            writer.Add(true);
            Assert.Throws<InvalidValueException>(() => writer.Add(1f));
            CollectionAssert.AreEqual(new float[] { 0.5f, 1f, 1f }, Tensors.ToArray<float>(writer.Build().Tensor));
        }

        [Test]
        public void DictWriterKeepsTheSpaceOrderAndConvertsDtypes()
        {
            Space space = Spaces.Dict(new SpaceDict
            {
                { "pos", Spaces.Box(Dtype.Float64, -5, 5, 2) },
                { "hp", Spaces.Discrete(10, 1) },
                { "grid", Spaces.MultiBinary(3) },
            });
            var writer = new ObservationWriter(space);
            writer["hp"].SetDiscrete(4);
            writer["grid"].AddOneHot(1, 3);
            writer["pos"].Add(1.5f).Add(-2.25);
            Value value = writer.Build();
            SpaceValues.CheckElement(space, value, "observation");
            Assert.AreEqual("pos", value.MapValue.Entries[0].Key);
            CollectionAssert.AreEqual(new double[] { 1.5, -2.25 }, Tensors.ToArray<double>(value.MapValue.Entries[0].Value.Tensor));
            Assert.AreEqual(4L, value.MapValue.Entries[1].Value.IntValue);
            CollectionAssert.AreEqual(new sbyte[] { 0, 1, 0 }, Tensors.ToArray<sbyte>(value.MapValue.Entries[2].Value.Tensor));
            Assert.Throws<InvalidValueException>(() => writer["hp"].SetDiscrete(11));
            Assert.Throws<InvalidValueException>(() => { var unused = writer["nope"]; });
        }

        [Test]
        public void ActionWriterDefaultsAreValidActions()
        {
            Value discrete = new ActionWriter(Spaces.Discrete(3, -1)).Build();
            Assert.AreEqual(-1L, discrete.IntValue);
            Value box = new ActionWriter(Spaces.Box(-1f, 1f, 2)).Build();
            CollectionAssert.AreEqual(new float[] { 0f, 0f }, Tensors.ToArray<float>(box.Tensor));
        }

        [Test]
        public void ActionReaderReadsEveryKind()
        {
            Space space = Spaces.Tuple(Spaces.Discrete(4), Spaces.Box(-1f, 1f, 2), Spaces.MultiDiscrete(new long[] { 3, 5 }));
            Value action = Values.Tuple(
                Values.Int(3),
                Values.Tensor(Tensors.FromArray(new float[] { 0.25f, -0.5f })),
                Values.Tensor(Tensors.FromArray(new long[] { 2, 4 })));
            var reader = new ActionReader(space, action);
            Assert.AreEqual(3, reader[0].Discrete);
            Assert.AreEqual(-0.5f, reader[1].GetFloat(1));
            Assert.AreEqual(2, reader[1].Count);
            Assert.AreEqual(4, reader[2].GetInt(1));
            Assert.Throws<InvalidValueException>(() => reader[1].GetFloat(2));
            Assert.Throws<InvalidValueException>(() => { int unused = reader[1].Discrete; });
        }

        [Test]
        public void TensorDataRoundTripsEveryDtype()
        {
            Dtype[] dtypes = { Dtype.Int8, Dtype.Int16, Dtype.Int32, Dtype.Int64, Dtype.Uint8, Dtype.Uint16, Dtype.Uint32, Dtype.Uint64, Dtype.Float16, Dtype.Float32, Dtype.Float64 };
            foreach (Dtype dtype in dtypes)
            {
                Tensor tensor = TensorData.Zeros(dtype, new long[] { 3 });
                byte[] data = tensor.Data;
                bool signed = dtype == Dtype.Int8 || dtype == Dtype.Int16 || dtype == Dtype.Int32 || dtype == Dtype.Int64 || TensorData.IsFloating(dtype);
                TensorData.Write(data, dtype, 1, signed ? -7L : 7L);
                TensorData.Write(data, dtype, 2, 2.5);
                Assert.AreEqual(signed ? -7.0 : 7.0, TensorData.ReadDouble(tensor, 1), dtype.ToString());
                Assert.AreEqual(signed ? -7L : 7L, TensorData.ReadLong(tensor, 1), dtype.ToString());
                Assert.AreEqual(0.0, TensorData.ReadDouble(tensor, 0), dtype.ToString());
                Assert.AreEqual(TensorData.IsFloating(dtype) ? 2.5 : 2.0, TensorData.ReadDouble(tensor, 2), dtype.ToString());
            }
        }
    }

    [TestFixture]
    public class AgentRosterTests
    {
        static AgentRoster Roster(LineEnv a, LineEnv b, int intervalA)
        {
            return new AgentRoster(new List<AgentSlot>
            {
                new AgentSlot { Env = a, Name = "a_0", Behavior = "a", DecisionInterval = intervalA },
                new AgentSlot { Env = b, Name = "b_0", Behavior = "b" },
            });
        }

        /// <summary>One environment step of one fixed step: act, then end the tick.</summary>
        static bool Tick(AgentRoster roster, AgentReports reports)
        {
            roster.Act(true, true, null);
            return roster.EndTick(reports, null);
        }

        [Test]
        public void AStepGoesOnWhileNobodyDecidesAndReportsEachAgentOnce()
        {
            var a = new LineEnv { EndAt = 100 };
            var b = new LineEnv { EndAt = 1 };
            AgentRoster roster = Roster(a, b, 2);
            var reset = new AgentReports();
            roster.Reset(null, null, reset);
            Assert.AreEqual(2, reset.All.Count);
            roster.StartStep(new List<AgentAction>
            {
                new AgentAction { Agent = 0, Action = Values.Int(1) },
                new AgentAction { Agent = 1, Action = Values.Int(1) },
            });
            var reports = new AgentReports();
            // Tick 1: b ends; a (every 2nd step) waits: nobody is live, the step goes on.
            Assert.IsFalse(Tick(roster, reports), "nobody decides after the first tick");
            // Tick 2: a repeats its action and decides again: the step is answered.
            Assert.IsTrue(Tick(roster, reports));
            Assert.AreEqual(2, reports.All.Count, "each agent once");
            AgentReport ra = reports.All[0], rb = reports.All[1];
            Assert.AreEqual(0, ra.Agent);
            Assert.IsTrue(ra.Live);
            Assert.AreEqual(2.0, ra.Reward, "its reward over both ticks");
            Assert.AreEqual(2, a.Position, "the action was repeated on the second tick");
            Assert.IsTrue(rb.Terminated);
            Assert.IsFalse(rb.Live);
            Assert.IsFalse(roster.IsAlive(1));
        }

        [Test]
        public void AnEndedAgentRespawnsAtALaterStepAndNotAtAll()
        {
            var a = new LineEnv { EndAt = 100 };
            var b = new LineEnv { EndAt = 1 };
            AgentRoster roster = Roster(a, b, 1);
            roster.Reset(7, null, new AgentReports());
            Assert.AreEqual(8UL, b.LastSeed, "agent i gets seed + i");
            var act = new List<AgentAction>
            {
                new AgentAction { Agent = 0, Action = Values.Int(0) },
                new AgentAction { Agent = 1, Action = Values.Int(1) },
            };
            roster.StartStep(act);
            var first = new AgentReports();
            Assert.IsTrue(Tick(roster, first));
            Assert.IsTrue(first.All[1].Terminated);
            roster.StartStep(act.GetRange(0, 1));
            var second = new AgentReports();
            Assert.IsTrue(Tick(roster, second));
            Assert.AreEqual(2, second.All.Count, "b came back");
            Assert.IsTrue(second.All[1].Live && !second.All[1].Terminated);
            Assert.AreEqual(2, b.Begins, "reset, then the respawn");

            roster.RespawnEndedAgents = false;
            roster.StartStep(act);
            Tick(roster, new AgentReports());
            roster.StartStep(act.GetRange(0, 1));
            var later = new AgentReports();
            Tick(roster, later);
            Assert.AreEqual(1, later.All.Count, "without respawn b stays out");
        }
    }
}
