using System;
using System.Collections.Generic;
using NUnit.Framework;
using Rlay.Protocol;

namespace Rlay.Tests
{
    /// <summary>
    /// Two agents: "mover" (behaviour "a": obs int64 [t], Discrete(2)) decides every step and
    /// ends at t = 3; "watcher" (behaviour "b": obs float32 [t], Discrete(3)) decides at even t;
    /// at t = 4 everyone alive is truncated.
    /// </summary>
    sealed class DuoEnv : IMultiAgentEnvironment
    {
        long t;
        readonly bool[] alive = new bool[2];
        readonly double[] reward = new double[2];
        public readonly List<string> Acted = new List<string>();

        /// <summary>The next step reports the mover's observation as float32, outside its int64 space.</summary>
        public bool MisreportNextStep;

        public EnvSpec Open(string renderMode)
        {
            EnvSpec spec = EnvSpecs.MultiAgent("Duo-v0");
            spec.Behaviors.Add(new BehaviorSpec { Name = "a", ObservationSpace = Spaces.Box(Dtype.Int64, 0, 10, 1), ActionSpace = Spaces.Discrete(2) });
            spec.Behaviors.Add(new BehaviorSpec { Name = "b", ObservationSpace = Spaces.Box(0f, 10f, 1), ActionSpace = Spaces.Discrete(3) });
            spec.Agents.Add(new AgentSpec { Name = "mover", Behavior = "a" });
            spec.Agents.Add(new AgentSpec { Name = "watcher", Behavior = "b" });
            return spec;
        }

        Value Observe(int i)
        {
            if (i == 0 && MisreportNextStep)
            {
                MisreportNextStep = false;
                return Values.Tensor(Tensors.FromArray(new float[] { t }));
            }
            return i == 0 ? Values.Tensor(Tensors.FromArray(new long[] { t })) : Values.Tensor(Tensors.FromArray(new float[] { t }));
        }

        public void ResetAgents(ulong? seed, Value options, AgentReports reports)
        {
            t = seed.HasValue ? (long)seed.Value : 0;
            alive[0] = alive[1] = true;
            reports.Live(0, Observe(0), null);
            reports.Live(1, Observe(1), Values.Map(new ValueDict { { "role", "watch" } }));
        }

        public void StepAgents(IList<AgentAction> actions, AgentReports reports)
        {
            var acted = new bool[2];
            foreach (AgentAction action in actions)
            {
                acted[action.Agent] = true;
                Acted.Add(action.Agent + ":" + action.Action.IntValue);
                reward[action.Agent] += action.Action.IntValue;
            }
            t++;
            for (int i = 0; i < 2; i++)
            {
                if (!alive[i])
                    continue;
                bool terminated = i == 0 && t >= 3;
                bool truncated = t >= 4;
                bool live = !terminated && !truncated && (i == 0 || t % 2 == 0);
                if (terminated || truncated)
                    alive[i] = false;
                if (acted[i] || terminated || truncated || live)
                {
                    reports.Step(i, Observe(i), reward[i], terminated, truncated, null, live);
                    reward[i] = 0;
                }
            }
        }

        public void Reset(ResetArgs args, ResetResult result) { throw new InvalidOperationException("multi-agent"); }

        public void Step(Value[] actions, StepResult result) { throw new InvalidOperationException("multi-agent"); }

        public Value[] Render() { throw new UnimplementedException("no frames"); }

        public Value Call(string name, Value value) { throw new UnimplementedException(name); }

        public void Close() { }
    }

    [TestFixture]
    public class AgentSessionTests
    {
        static SessionRequest MultiHello()
        {
            SessionRequest hello = RawAgent.Hello(1, 1);
            hello.Hello.Capabilities.Add("multi_agent");
            return hello;
        }

        static SessionRequest Step(params object[] entries)
        {
            // entries: behaviour, agent, action, behaviour, agent, action, ...
            var step = new StepRequest();
            for (int e = 0; e < entries.Length; e += 3)
            {
                var actions = new AgentActions { Behavior = (string)entries[e] };
                actions.Agents.Add((string)entries[e + 1]);
                actions.Actions = Values.Tensor(Tensors.FromArray(new long[] { (long)(int)entries[e + 2] }));
                step.AgentActions.Add(actions);
            }
            return new SessionRequest { Step = step };
        }

        static Server Start(DuoEnv env)
        {
            var server = new Server(() => env, "tcp://127.0.0.1:0");
            server.Start();
            return server;
        }

        [Test]
        public void AnAgentSideWithoutTheCapabilityIsRefusedAndClosed()
        {
            using (Server server = Start(new DuoEnv()))
            using (var agent = new RawAgent(server.Address))
            {
                SessionResponse reply = agent.RoundTrip(RawAgent.Hello(1, 0));
                Assert.AreEqual(ErrorCode.CapabilityRequired, reply.Error.Code);
                StringAssert.Contains("multi_agent", reply.Error.Message);
                Assert.IsTrue(agent.IsClosedByPeer());
            }
        }

        [Test]
        public void AnEpisodeFollowsTheLiveAgentsAndRefusesWrongActions()
        {
            var env = new DuoEnv();
            using (Server server = Start(env))
            using (var agent = new RawAgent(server.Address))
            {
                Hello hello = agent.RoundTrip(MultiHello()).Hello;
                Assert.AreEqual(1u, hello.ProtocolVersion.Minor);
                CollectionAssert.Contains(hello.Capabilities, "multi_agent");
                Assert.AreEqual(2, hello.EnvSpec.Agents.Count);

                Assert.AreEqual(ErrorCode.FailedPrecondition, agent.RoundTrip(Step("a", "mover", 1)).Error.Code, "step before reset");

                var reset = new ResetRequest();
                reset.Seeds.Add(new Seed { Value = 0 });
                ResetResponse r = agent.RoundTrip(new SessionRequest { Reset = reset }).Reset;
                Assert.AreEqual(2, r.Agents.Count);
                Assert.AreEqual("a", r.Agents[0].Behavior);
                CollectionAssert.AreEqual(new[] { "mover" }, r.Agents[0].Agents);
                Assert.AreEqual(0, r.Agents[0].Infos.Count, "all-empty infos are left out");
                Assert.AreEqual("watch", Values.Get(r.Agents[1].Infos[0], "role").StringValue);
                Assert.IsNull(r.Agents[0].Rewards, "a reset reply carries no rewards");

                // Every wrong form is refused and changes nothing.
                string[] refusals =
                {
                    Message(agent, Step("a", "mover", 1)),                                   // watcher missing
                    Message(agent, Step("a", "mover", 1, "b", "ghost", 0)),                  // unknown agent
                    Message(agent, Step("a", "mover", 1, "a", "watcher", 0)),                // wrong behaviour
                    Message(agent, Step("a", "mover", 1, "a", "mover", 0, "b", "watcher", 0)), // twice
                    Message(agent, Step("a", "mover", 1, "c", "watcher", 0)),                // unknown behaviour
                    Message(agent, Step("a", "mover", 5, "b", "watcher", 0)),                // outside Discrete(2)
                };
                StringAssert.Contains("watcher", refusals[0]);
                StringAssert.Contains("ghost", refusals[1]);
                StringAssert.Contains("behaviour", refusals[2]);
                StringAssert.Contains("two actions", refusals[3]);
                StringAssert.Contains("'c'", refusals[4]);
                Assert.AreEqual(0, env.Acted.Count, "nothing reached the env");

                StepResponse s1 = agent.RoundTrip(Step("b", "watcher", 2, "a", "mover", 1)).Step;
                CollectionAssert.AreEqual(new[] { "0:1", "1:2" }, env.Acted, "actions in agent order");
                Assert.AreEqual("a", s1.Agents[0].Behavior, "batches in behaviour order");
                CollectionAssert.AreEqual(new[] { true }, Tensors.ToArray<bool>(s1.Agents[0].Live));
                CollectionAssert.AreEqual(new[] { false }, Tensors.ToArray<bool>(s1.Agents[1].Live), "the watcher waits at odd t");
                CollectionAssert.AreEqual(new[] { 2.0 }, Tensors.ToArray<double>(s1.Agents[1].Rewards));

                StringAssert.Contains("not live", Message(agent, Step("a", "mover", 1, "b", "watcher", 0)));
                StepResponse s2 = agent.RoundTrip(Step("a", "mover", 1)).Step;
                CollectionAssert.AreEqual(new[] { "watcher" }, s2.Agents[1].Agents, "the watcher became live");
                CollectionAssert.AreEqual(new[] { true }, Tensors.ToArray<bool>(s2.Agents[1].Live));

                StepResponse s3 = agent.RoundTrip(Step("a", "mover", 0, "b", "watcher", 1)).Step;
                CollectionAssert.AreEqual(new[] { true }, Tensors.ToArray<bool>(s3.Agents[0].Terminated), "the mover ends at t = 3");
                CollectionAssert.AreEqual(new[] { false }, Tensors.ToArray<bool>(s3.Agents[0].Live));
                Assert.AreEqual(1, s3.Agents.Count == 2 ? s3.Agents[1].Agents.Count : 0, "the watcher acted, reported, not live");

                // Nobody is live: the episode is over until the next reset.
                SessionResponse over = agent.RoundTrip(Step("b", "watcher", 0));
                Assert.AreEqual(ErrorCode.FailedPrecondition, over.Error.Code);
                StringAssert.Contains("episode is over", over.Error.Message);
                Assert.AreEqual(2, agent.RoundTrip(new SessionRequest { Reset = new ResetRequest() }).Reset.Agents.Count);
            }
        }

        [Test]
        public void AMisreportIsAnEnvErrorAndLeavesTheLiveAgentsAsTheyWere()
        {
            var env = new DuoEnv();
            using (Server server = Start(env))
            using (var agent = new RawAgent(server.Address))
            {
                agent.RoundTrip(MultiHello());
                var reset = new ResetRequest();
                reset.Seeds.Add(new Seed { Value = 0 });
                Assert.AreEqual(2, agent.RoundTrip(new SessionRequest { Reset = reset }).Reset.Agents.Count);

                env.MisreportNextStep = true;
                SessionResponse bad = agent.RoundTrip(Step("a", "mover", 1, "b", "watcher", 0));
                Assert.AreEqual(ErrorCode.Env, bad.Error.Code, bad.Error.Message);
                StringAssert.Contains("does not fit its space", bad.Error.Message);

                // Both agents are still live for the agent side, so the next step takes both actions.
                SessionResponse next = agent.RoundTrip(Step("a", "mover", 1, "b", "watcher", 0));
                Assert.AreEqual(SessionResponse.KindOneofCase.Step, next.KindCase, next.Error == null ? "" : next.Error.Message);
                CollectionAssert.AreEqual(new[] { "mover" }, next.Step.Agents[0].Agents);
                CollectionAssert.AreEqual(new[] { "0:1", "1:0", "0:1", "1:0" }, env.Acted);
            }
        }

        static string Message(RawAgent agent, SessionRequest request)
        {
            SessionResponse reply = agent.RoundTrip(request);
            Assert.AreEqual(SessionResponse.KindOneofCase.Error, reply.KindCase);
            Assert.AreEqual(ErrorCode.InvalidArgument, reply.Error.Code, reply.Error.Message);
            return reply.Error.Message;
        }

        [Test]
        public void ASpecThatBreaksTheRulesIsNotOpened()
        {
            var spec = EnvSpecs.MultiAgent("Bad-v0");
            spec.Behaviors.Add(new BehaviorSpec { Name = "a", ObservationSpace = Spaces.Discrete(2), ActionSpace = Spaces.Discrete(2) });
            spec.Agents.Add(new AgentSpec { Name = "x", Behavior = "a" });
            spec.Agents.Add(new AgentSpec { Name = "x", Behavior = "a" });
            var error = Assert.Throws<InvalidOperationException>(() => new AgentSession(spec));
            StringAssert.Contains("two agents", error.Message);
        }
    }
}
