// Multi-agent scenes (protocol 1.1) in the stand-ins' player loop: behaviours with
// different spaces, agents that end and respawn, decision intervals, late spawns.
using System;
using System.Collections.Generic;
using NUnit.Framework;
using Rlay.Protocol;
using UnityEngine;

namespace Rlay.Unity.EngineTests
{
    /// <summary>Moves by its action each fixed step; ends (terminated) after Life decisions.</summary>
    public class Runner : LineAgent
    {
        public int Life = 2;
        int decisions;

        public override void OnEpisodeBegin(ulong? seed, Value options)
        {
            base.OnEpisodeBegin(seed, options);
            decisions = 0;
            SetInfo("begins", Begins);
        }

        public override void OnActionReceived(ActionReader action)
        {
            base.OnActionReceived(action);
            AddReward(1f);
            if (++decisions >= Life)
                EndEpisode();
        }
    }

    /// <summary>Another behaviour: observes a Dict, acts with a Box.</summary>
    public class Watcher : RlayAgent
    {
        public int Acts;

        public override Space DescribeObservationSpace()
        {
            return Spaces.Dict(new SpaceDict { { "seen", Spaces.Box(0f, 100f, 1) }, { "tick", Spaces.Discrete(100) } });
        }

        public override Space DescribeActionSpace() { return Spaces.Box(-1f, 1f, 2); }

        public override void CollectObservations(ObservationWriter observation)
        {
            observation["seen"].Add((float)Acts);
            observation["tick"].SetDiscrete(StepCount);
        }

        public override void OnActionReceived(ActionReader action)
        {
            Acts++;
            AddReward(0.5f);
        }
    }

    [TestFixture]
    public class MultiAgentTests : SceneTest
    {
        static RlayEnvironment Scene(out Runner runner, out Watcher watcher, out Runner late)
        {
            var root = new GameObject("Environment");
            RlayEnvironment environment = root.AddComponent<RlayEnvironment>();
            environment.Port = 0;
            runner = new GameObject("Runner").AddComponent<Runner>();
            runner.BehaviorName = "runner";
            watcher = new GameObject("Watcher").AddComponent<Watcher>();
            watcher.BehaviorName = "watcher";
            watcher.DecisionInterval = 2;
            late = new GameObject("Late").AddComponent<Runner>();
            late.BehaviorName = "runner";
            late.enabled = false; // spawns when enabled
            return environment;
        }

        static Dictionary<int, AgentReport> ByAgent(AgentReports reports)
        {
            var map = new Dictionary<int, AgentReport>();
            foreach (AgentReport report in reports.All)
            {
                Assert.IsFalse(map.ContainsKey(report.Agent), "agent " + report.Agent + " reported twice");
                map[report.Agent] = report;
            }
            return map;
        }

        [Test]
        public void TheSpecNamesAgentsAndBehavioursWithTheirOwnSpaces()
        {
            Runner runner;
            Watcher watcher;
            Runner late;
            RlayEnvironment environment = Scene(out runner, out watcher, out late);
            Frames(2);
            Assert.IsTrue(environment.IsMultiAgent);
            EnvSpec spec = environment.Spec;
            Assert.AreEqual(2, spec.Behaviors.Count);
            Assert.AreEqual("runner", spec.Behaviors[0].Name);
            Assert.AreEqual(Space.KindOneofCase.Dict, spec.Behaviors[1].ObservationSpace.KindCase);
            CollectionAssert.AreEqual(new[] { "runner_0", "watcher_0", "runner_1" }, spec.Agents.ConvertAll(a => a.Name));
            Assert.IsNull(spec.ObservationSpace);
            Assert.AreEqual(AutoresetMode.Disabled, spec.AutoresetMode);
            new AgentSession(spec); // the protocol's rules hold
            StringAssert.Contains("ParallelClientEnv", environment.PythonSnippet());
            Assert.AreEqual(2, environment.BehaviorSummary().Count);
        }

        [Test]
        public void AgentsDecideAtTheirIntervalsEndRespawnAndSpawnLate()
        {
            Runner runner;
            Watcher watcher;
            Runner late;
            RlayEnvironment environment = Scene(out runner, out watcher, out late);
            Frames(2);
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment);
                MainThreadChannel channel = trainer.Channel;
                Dictionary<int, AgentReport> reset = ByAgent(AgentCommands.Reset(channel, 7));
                CollectionAssert.AreEquivalent(new[] { 0, 1 }, reset.Keys, "the disabled agent is not there yet");
                int begins = runner.Begins;
                int acts = watcher.Acts;
                Assert.IsTrue(reset[0].Live && reset[1].Live);
                Value move = Values.Int(2);
                Value look = Values.Tensor(Tensors.FromArray(new float[] { 0.5f, -0.5f }));

                // t = 1: both act; the watcher (every 2nd step) waits; the late runner is enabled meanwhile.
                late.enabled = true;
                Dictionary<int, AgentReport> s1 = ByAgent(AgentCommands.Step(channel, 0, move, 1, look));
                Assert.AreEqual(1.0, s1[0].Reward, 1e-9);
                Assert.IsTrue(s1[0].Live);
                Assert.IsFalse(s1[1].Live, "the watcher decides every other step");
                Assert.AreEqual(0.5, s1[1].Reward, 1e-9);
                Assert.IsTrue(s1.ContainsKey(2) && s1[2].Live, "the late runner spawned, live");
                Assert.AreEqual(0.0, s1[2].Reward);

                // t = 2: the runner's second decision ends it; the watcher decides again.
                Dictionary<int, AgentReport> s2 = ByAgent(AgentCommands.Step(channel, 0, move, 2, move));
                Assert.IsTrue(s2[0].Terminated, "the runner ended");
                Assert.IsFalse(s2[0].Live);
                Assert.IsTrue(s2[1].Live, "the watcher decides again");
                Assert.AreEqual(0.5, s2[1].Reward, 1e-9, "its reward accrued while waiting");

                // t = 3: the ended runner respawns, live, with a new episode.
                Dictionary<int, AgentReport> s3 = ByAgent(AgentCommands.Step(channel, 1, look, 2, move));
                Assert.IsTrue(s3.ContainsKey(0) && s3[0].Live, "respawned at a later step");
                Assert.IsFalse(s3[0].Terminated);
                Assert.AreEqual(begins + 1, runner.Begins, "a new episode began");
                Assert.AreEqual(begins + 1, Values.Get(s3[0].Info, "begins").IntValue);
                Assert.AreEqual(acts + 3, watcher.Acts, "the watcher acted at t = 1 and 3 and repeated its action at t = 2");
            }
        }

        [Test]
        public void TheSameSeedReplaysTheSameEpisode()
        {
            Runner runner;
            Watcher watcher;
            Runner late;
            RlayEnvironment environment = Scene(out runner, out watcher, out late);
            Frames(2);
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment);
                var runs = new List<string>();
                for (int run = 0; run < 2; run++)
                {
                    AgentCommands.Reset(trainer.Channel, 3);
                    AgentReports s = AgentCommands.Step(trainer.Channel, 0, Values.Int(2), 1, Values.Tensor(Tensors.FromArray(new float[] { 0f, 0f })));
                    var line = new List<string>();
                    foreach (AgentReport report in s.All)
                        line.Add(report.Agent + ":" + report.Reward + ":" + report.Live + ":" + report.Observation.ToByteArray().Length);
                    runs.Add(string.Join(",", line.ToArray()));
                }
                Assert.AreEqual(runs[0], runs[1]);
            }
        }
    }
}

namespace Rlay.Unity.EngineTests
{
    using Rlay.Samples.ChaserEvader;

    [TestFixture]
    public class ChaserEvaderSampleTests : SceneTest
    {
        static RlayEnvironment Build()
        {
            var root = new GameObject("Scene");
            root.AddComponent<ChaserEvaderScene>();
            RlayEnvironment environment = root.GetComponent<RlayEnvironment>();
            environment.Port = 0;
            return environment;
        }

        [Test]
        public void TwoBehavioursPlayThemselvesWithoutATrainer()
        {
            StubPlayerLoop.StripEngineCode = true;
            RlayEnvironment environment = Build();
            Frames(400);
            Assert.AreEqual("", Console.Exceptions());
            CollectionAssert.AreEqual(new[] { "chaser", "evader" }, environment.Spec.Behaviors.ConvertAll(b => b.Name));
            CollectionAssert.AreEqual(new[] { "chaser_0", "evader_0" }, environment.Spec.Agents.ConvertAll(a => a.Name));
            Assert.AreEqual(Space.KindOneofCase.Discrete, environment.Spec.Behaviors[0].ActionSpace.KindCase);
            Assert.AreEqual(Space.KindOneofCase.Box, environment.Spec.Behaviors[1].ActionSpace.KindCase);
            var chaser = (ChaserAgent)environment.Agents[0];
            Assert.IsTrue(chaser.EpisodeCount > 1, "the greedy chaser caught the evader and both respawned");
        }

        [Test]
        public void ASeededEpisodeReplaysExactly()
        {
            RlayEnvironment environment = Build();
            Frames(2);
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment);
                var runs = new List<string>();
                for (int run = 0; run < 2; run++)
                {
                    var trace = new List<string>();
                    AgentReports reports = AgentCommands.Reset(trainer.Channel, 11);
                    var live = new List<int>();
                    foreach (AgentReport report in reports.All)
                    {
                        trace.Add(Trace(report));
                        live.Add(report.Agent);
                    }
                    for (int step = 0; step < 12 && live.Count > 0; step++)
                    {
                        var actions = new List<object>();
                        foreach (int agent in live)
                        {
                            actions.Add(agent);
                            actions.Add(agent == 0 ? Values.Int(1 + step % 4) : Values.Tensor(Tensors.FromArray(new float[] { 1f, -0.5f })));
                        }
                        reports = AgentCommands.Step(trainer.Channel, actions.ToArray());
                        live.Clear();
                        foreach (AgentReport report in reports.All)
                        {
                            trace.Add(Trace(report));
                            if (report.Live)
                                live.Add(report.Agent);
                        }
                    }
                    runs.Add(string.Join("\n", trace.ToArray()));
                }
                Assert.AreEqual(runs[0], runs[1], "the same seed and actions give the same episode");
                StringAssert.Contains("1:", runs[0], "the evader was reported");
            }
        }

        static string Trace(AgentReport report)
        {
            return report.Agent + ":" + string.Join(",", Array.ConvertAll(Tensors.ToArray<float>(report.Observation.Tensor), f => f.ToString("R")))
                + " r=" + report.Reward.ToString("R") + " " + report.Terminated + report.Truncated + report.Live;
        }
    }
}
