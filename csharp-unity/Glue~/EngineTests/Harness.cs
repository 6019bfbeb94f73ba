// Test harness for the Unity-facing glue: a scene in the stand-ins' player loop
// (UnityEngineStubs.cs), its frames run on a thread of their own — Unity's main
// thread — while the test thread plays the trainer through the controller's
// channel, as TrainerLink's session thread does. Kept to the NUnit subset that
// NUnit 2.6 and Unity's NUnit 3 share.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NUnit.Framework;
using Rlay.Protocol;
using UnityEngine;
using Debug = UnityEngine.Debug;

namespace Rlay.Unity.EngineTests
{
    /// <summary>What reached the Unity Console (Debug.Log and friends).</summary>
    static class Console
    {
        static readonly List<string> lines = new List<string>();

        public static void Capture()
        {
            lock (lines)
                lines.Clear();
            Debug.Sink = line => { lock (lines) lines.Add(line); };
        }

        public static List<string> Lines
        {
            get { lock (lines) return new List<string>(lines); }
        }

        public static bool Has(string text)
        {
            foreach (string line in Lines)
                if (line.Contains(text))
                    return true;
            return false;
        }

        public static string Exceptions()
        {
            var found = new List<string>();
            foreach (string line in Lines)
                if (line.StartsWith("[exception]") || line.StartsWith("[error]"))
                    found.Add(line);
            return string.Join("\n", found.ToArray());
        }
    }

    /// <summary>Runs frames on a "main thread" of its own until disposed.</summary>
    sealed class Player : IDisposable
    {
        readonly Thread thread;
        volatile bool stop;
        readonly List<Trainer> trainers = new List<Trainer>();

        public Player()
        {
            thread = new Thread(Run) { IsBackground = true, Name = "stand-in main thread" };
            thread.Start();
        }

        void Run()
        {
            while (!stop)
            {
                StubPlayerLoop.Frame();
                Thread.Sleep(1);
            }
        }

        public Trainer Attach(RlayEnvironment environment, string renderMode = null)
        {
            var trainer = new Trainer(environment, renderMode);
            lock (trainers)
                trainers.Add(trainer);
            return trainer;
        }

        /// <summary>Wait (at most <paramref name="seconds"/>) until <paramref name="condition"/> holds.</summary>
        public static bool Eventually(Func<bool> condition, double seconds)
        {
            Stopwatch clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                if (condition())
                    return true;
                Thread.Sleep(5);
            }
            return condition();
        }

        public void Dispose()
        {
            // A FixedUpdate waiting for a command wakes when the trainer's channel closes.
            lock (trainers)
                foreach (Trainer trainer in trainers)
                    trainer.Dispose();
            stop = true;
            Assert.IsTrue(thread.Join(10000), "the main thread did not stop");
        }
    }

    /// <summary>A trainer attached straight to the controller (what a session thread does per command).</summary>
    sealed class Trainer : IDisposable
    {
        public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
        readonly MainThreadChannel channel = new MainThreadChannel();
        readonly int count;

        /// <summary>The channel the commands go through (multi-agent commands: AgentCommands).</summary>
        public MainThreadChannel Channel { get { return channel; } }

        public Trainer(RlayEnvironment environment, string renderMode)
        {
            Assert.IsNotNull(environment.Controller, "the environment is not set up");
            count = environment.Controller.NumEnvs;
            Assert.IsTrue(environment.Controller.TryAttach(channel, renderMode), "another trainer is attached");
        }

        public ResetResult Reset(ulong? seed = null)
        {
            var seeds = new ulong?[count];
            for (int i = 0; i < count; i++)
                seeds[i] = seed.HasValue ? seed + (ulong)i : null;
            return (ResetResult)channel.Send(new ResetCommand { Args = new ResetArgs { Seeds = seeds } }, Timeout);
        }

        public StepResult Step(params long[] actions)
        {
            var values = new Value[count];
            for (int i = 0; i < count; i++)
                values[i] = Values.Int(actions.Length == 1 ? actions[0] : actions[i]);
            return (StepResult)channel.Send(new StepCommand { Actions = values }, Timeout);
        }

        public Value Call(string name, Value value)
        {
            return (Value)channel.Send(new CallCommand { Name = name, Value = value }, Timeout);
        }

        public Value[] Render()
        {
            return (Value[])channel.Send(new RenderCommand(), Timeout);
        }

        public void Dispose()
        {
            channel.Close("the test is over");
        }
    }

    /// <summary>An agent on a line: x += action - 1 per fixed step; Discrete(3); the heuristic holds still.</summary>
    public class LineAgent : RlayAgent
    {
        public float X;
        public int Begins;

        public override Space DescribeObservationSpace() { return Spaces.Box(-1000f, 1000f, 1); }

        public override Space DescribeActionSpace() { return Spaces.Discrete(3); }

        public override void OnEpisodeBegin(ulong? seed, Value options)
        {
            Begins++;
            X = 0f;
        }

        public override void CollectObservations(ObservationWriter observation) { observation.Add(X); }

        public override void OnActionReceived(ActionReader action) { X += action.Discrete - 1; }

        public override void Heuristic(ActionWriter action) { action.SetDiscrete(1); }
    }

    /// <summary>Counts the frames (Update calls) of the scene.</summary>
    public class FrameProbe : MonoBehaviour
    {
        public static int Updates;

        void Update() { Interlocked.Increment(ref Updates); }
    }

    /// <summary>Base of the engine tests: a fresh world and Console per test.</summary>
    public abstract class SceneTest
    {
        [SetUp]
        public void FreshWorld()
        {
            StubPlayerLoop.ResetWorld();
            RlayLog.Sink = null;
            FrameProbe.Updates = 0;
            Console.Capture();
        }

        [TearDown]
        public void EmptyWorld()
        {
            StubPlayerLoop.ResetWorld();
            RlayLog.Sink = null;
        }

        /// <summary>An RlayEnvironment listening on a free port, with <paramref name="agents"/> LineAgents.</summary>
        protected static RlayEnvironment Scene(int agents)
        {
            var root = new GameObject("Environment");
            RlayEnvironment environment = root.AddComponent<RlayEnvironment>();
            environment.Port = 0;
            for (int i = 0; i < agents; i++)
                new GameObject("Agent " + i).AddComponent<LineAgent>();
            return environment;
        }

        protected static void Frames(int count)
        {
            for (int i = 0; i < count; i++)
                StubPlayerLoop.Frame();
        }
    }
}

namespace Rlay.Unity.EngineTests
{
    /// <summary>Multi-agent commands, as the session thread sends them.</summary>
    static class AgentCommands
    {
        public static AgentReports Reset(MainThreadChannel channel, ulong? seed)
        {
            return (AgentReports)channel.Send(new AgentResetCommand { Seed = seed }, Trainer.Timeout);
        }

        public static AgentReports Step(MainThreadChannel channel, params object[] agentAndAction)
        {
            var actions = new List<AgentAction>();
            for (int i = 0; i < agentAndAction.Length; i += 2)
                actions.Add(new AgentAction { Agent = (int)agentAndAction[i], Action = (Value)agentAndAction[i + 1] });
            return (AgentReports)channel.Send(new AgentStepCommand { Actions = actions }, Trainer.Timeout);
        }
    }
}
