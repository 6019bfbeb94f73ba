// Tests of RlayEnvironment, RlayAgent, FrameCapture and the CartPole sample in
// the stand-ins' player loop. Each pins a Unity behaviour the glue once got
// wrong (see the list at the top of UnityEngineStubs.cs).
using System;
using System.Net.Sockets;
using NUnit.Framework;
using Rlay.Protocol;
using Rlay.Samples.CartPole;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Rlay.Unity.EngineTests
{
    [TestFixture]
    public class LifeCycleTests : SceneTest
    {
        /// <summary>Caches a component in Start, the usual Unity idiom, and needs it in OnEpisodeBegin.</summary>
        public class CachingAgent : LineAgent
        {
            FrameProbe cached;

            void Start() { cached = GetComponent<FrameProbe>(); }

            public override void OnEpisodeBegin(ulong? seed, Value options)
            {
                base.OnEpisodeBegin(seed, options);
                cached.enabled = true; // NullReferenceException before Start
            }
        }

        public class BrokenAgent : LineAgent
        {
            public override void OnEpisodeBegin(ulong? seed, Value options)
            {
                throw new InvalidOperationException("broken on purpose");
            }
        }

        [Test]
        public void FirstEpisodesBeginAfterTheAgentsOwnStartAndOneFailureDoesNotStopTheRest()
        {
            var root = new GameObject("Environment");
            RlayEnvironment environment = root.AddComponent<RlayEnvironment>();
            environment.Port = 0;
            var cachingHolder = new GameObject("Caching");
            cachingHolder.AddComponent<FrameProbe>();
            CachingAgent caching = cachingHolder.AddComponent<CachingAgent>();
            new GameObject("Broken").AddComponent<BrokenAgent>();
            LineAgent plain = new GameObject("Plain").AddComponent<LineAgent>();
            Frames(3);
            Assert.AreEqual(1, caching.Begins, "the caching agent's first episode began after its Start\n" + Console.Exceptions());
            Assert.AreEqual(1, plain.Begins, "an agent after the broken one still began its episode");
            Assert.IsNotNull(environment.ListenAddress, "the environment connects although one agent threw");
            Assert.IsTrue(Console.Has("broken on purpose"), "the broken agent's exception is in the Console");
        }

        [Test]
        public void RecompilingScriptsInPlayModeClosesTheConnectionAndOpensItAgain()
        {
            RlayEnvironment environment = Scene(1);
            Frames(2);
            string before = environment.ListenAddress;
            Assert.IsNotNull(before);
            StubPlayerLoop.ReloadScripts();
            Assert.IsTrue(Console.Has("disabled (or scripts recompiling)"), "the reload is logged:\n" + string.Join("\n", Console.Lines.ToArray()));
            Frames(2);
            string after = environment.ListenAddress;
            Assert.IsNotNull(after, "listening again after the reload");
            Assert.AreSame(environment, RlayEnvironment.Instance, "Instance is set again after the reload");
            using (var client = new TcpClient())
            {
                var uri = new Uri(after.Replace("tcp://", "http://"));
                client.Connect(uri.Host, uri.Port);
                Assert.IsTrue(client.Connected);
            }
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment);
                Assert.AreEqual(1, trainer.Reset(1).Observations.Length);
                Assert.AreEqual(1, trainer.Step(2).Rewards.Length);
            }
        }

        [Test]
        public void CoreWarningsReachTheUnityConsole()
        {
            Scene(1);
            Frames(1);
            RlayLog.Write(LogLevel.Warning, "a refused handshake");
            RlayLog.Write(LogLevel.Error, "a broken frame");
            Assert.IsTrue(Console.Has("[warning] rlay: a refused handshake"), string.Join("\n", Console.Lines.ToArray()));
            Assert.IsTrue(Console.Has("[error] rlay: a broken frame"));
        }

        [Test]
        public void AWebGLBuildSaysWhyItCannotConnectAndOpensNoSocket()
        {
            Application.platform = RuntimePlatform.WebGLPlayer;
            RlayEnvironment environment = Scene(1);
            Frames(2);
            Assert.IsNull(environment.ListenAddress, "no socket in a browser");
            Assert.IsTrue(Console.Has("WebGL build cannot reach a trainer"), string.Join("\n", Console.Lines.ToArray()));
            Assert.AreEqual("", Console.Exceptions());
        }

        [Test]
        public void AgentsAreOrderedByLoadedSceneThenHierarchy()
        {
            Scene second = SceneManager.StubLoadAdditive("Second");
            Scene main = SceneManager.GetActiveScene();
            // Created first, but in the scene loaded second: it comes last.
            SceneManager.SetActiveScene(second);
            LineAgent inSecond = new GameObject("In second").AddComponent<LineAgent>();
            SceneManager.SetActiveScene(main);
            RlayEnvironment environment = Scene(0);
            LineAgent inMain = new GameObject("In main").AddComponent<LineAgent>();
            Frames(1);
            Assert.AreEqual(2, environment.Agents.Count);
            Assert.AreSame(inMain, environment.Agents[0]);
            Assert.AreSame(inSecond, environment.Agents[1]);
        }
    }

    [TestFixture]
    public class TimeTests : SceneTest
    {
        [Test]
        public void WhileTheGameIsPausedResetAndCallsAnswerAndAStepSaysPaused()
        {
            RlayEnvironment environment = Scene(1);
            Frames(2);
            Time.timeScale = 0f; // the game's pause menu: Unity calls no FixedUpdate
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment);
                Assert.AreEqual(1, trainer.Reset(3).Observations.Length, "reset answers while paused");
                var paused = Assert.Throws<CommandException>(() => trainer.Step(2));
                StringAssert.Contains("paused", paused.Message);
                Assert.Throws<InvalidValueException>(() => trainer.Call("time_scale", Values.Float(0)), "time_scale 0 would stop the clock for good");
                Assert.AreEqual(1.0, trainer.Call("time_scale", Values.Float(1)).FloatValue, 1e-9);
                Assert.AreEqual(1.0, trainer.Step(2).Rewards.Length, "stepping again once the game runs");
            }
        }

        [Test]
        public void TimeScaleZeroIsRefused()
        {
            RlayEnvironment environment = Scene(1);
            Frames(2);
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment);
                trainer.Reset(1);
                Assert.Throws<InvalidValueException>(() => trainer.Call("time_scale", Values.Float(0)));
                Assert.Throws<InvalidValueException>(() => trainer.Call("time_scale", Values.Float(-1)));
                Assert.AreEqual(1f, Time.timeScale);
                trainer.Step(1);
            }
        }

        [Test]
        public void InTheEditorAnIdleTrainerStopsTimeAndItsNextStepStartsIt()
        {
            Application.isEditor = true;
            RlayEnvironment environment = Scene(1);
            new GameObject("Probe").AddComponent<FrameProbe>();
            Frames(2);
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment);
                trainer.Reset(1);
                trainer.Step(2);
                // Idle: the editor keeps running frames instead of blocking in FixedUpdate.
                Assert.IsTrue(Player.Eventually(() => Time.timeScale == 0f, 10), "time stops while the trainer is idle");
                int frames = FrameProbe.Updates;
                Assert.IsTrue(Player.Eventually(() => FrameProbe.Updates > frames + 5, 10), "frames go on while time is stopped");
                StepResult result = trainer.Step(2);
                Assert.AreEqual(1, result.Rewards.Length);
                Assert.AreEqual(1f, Time.timeScale, "the step started time again");
                Assert.AreEqual(2f, ((LineAgent)environment.Agents[0]).X, 1e-6, "both steps acted once");
            }
        }

        [Test]
        public void EachFrameCoversOneDecisionWhileATrainerIsAttached()
        {
            StubPlayerLoop.RealFrameSeconds = 0.1; // slow frames: 5 fixed steps each on the real-time clock
            RlayEnvironment environment = Scene(1);
            environment.DecisionPeriod = 3;
            new GameObject("Probe").AddComponent<FrameProbe>();
            Frames(2);
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment);
                trainer.Reset(1);
                trainer.Step(1);
                Assert.AreEqual(0.06f, Time.captureDeltaTime, 1e-6, "captureDeltaTime = fixed step x decision period");
                int before = FrameProbe.Updates;
                for (int i = 0; i < 12; i++)
                    trainer.Step(1);
                int frames = FrameProbe.Updates - before;
                Assert.IsTrue(frames >= 11 && frames <= 13, "one frame per decision, got " + frames + " frames for 12 steps");
                trainer.Call("decision_period", Values.Int(2));
                trainer.Step(1);
                Assert.AreEqual(0.04f, Time.captureDeltaTime, 1e-6, "follows decision_period");
                trainer.Dispose();
                Assert.IsTrue(Player.Eventually(() => Time.captureDeltaTime == 0f, 5), "restored when the trainer leaves");
            }
        }

        [Test]
        public void ManualPhysicsStoresAndRestoresBoth3DAnd2DModes()
        {
            Physics.simulationMode = SimulationMode.Update;
            Physics2D.simulationMode = SimulationMode2D.Update;
            RlayEnvironment environment = Scene(1);
            environment.Stepping = RlayEnvironment.SteppingMode.ManualPhysics;
            Frames(2);
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment);
                trainer.Reset(1);
                trainer.Step(1);
                Assert.AreEqual(SimulationMode.Script, Physics.simulationMode);
                Assert.AreEqual(SimulationMode2D.Script, Physics2D.simulationMode, "2D physics must not run on the real-time clock");
                int steps3D = Physics.StubSteps, steps2D = Physics2D.StubSteps;
                for (int i = 0; i < 4; i++)
                    trainer.Step(1);
                Assert.AreEqual(4, Physics.StubSteps - steps3D, "one 3D step per fixed step");
                Assert.AreEqual(4, Physics2D.StubSteps - steps2D, "one 2D step per fixed step");
                trainer.Dispose();
                Assert.IsTrue(Player.Eventually(() => Physics.simulationMode == SimulationMode.Update, 5), "the project's 3D mode is back");
                Assert.IsTrue(Player.Eventually(() => Physics2D.simulationMode == SimulationMode2D.Update, 5), "the project's 2D mode is back");
            }
        }

        [Test]
        public void TheSpecFollowsFixedDeltaTimeAndDecisionPeriodCalls()
        {
            RlayEnvironment environment = Scene(1);
            Frames(2);
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment);
                trainer.Call("decision_period", Values.Int(4));
                trainer.Call("fixed_delta_time", Values.Float(0.01));
            }
            Assert.AreEqual(1.0 / (0.01f * 4), environment.Spec.RenderFps, 1e-3);
            Assert.AreEqual(4L, Values.Get(environment.Spec.Metadata, "decision_period").IntValue);
            Assert.AreEqual(0.01f, (float)Values.Get(environment.Spec.Metadata, "fixed_delta_time").FloatValue, 1e-7);
        }
    }

    [TestFixture]
    public class FrameTests : SceneTest
    {
        static LineAgent Renderable(RlayEnvironment environment, Rect viewport)
        {
            var holder = new GameObject("Camera");
            Camera camera = holder.AddComponent<Camera>();
            camera.rect = viewport;
            var agent = (LineAgent)environment.Agents[0];
            agent.RenderCamera = camera;
            return agent;
        }

        [Test]
        public void CaptureFillsTheFrameWhateverTheViewportFlipsRowsAndCopiesOnce()
        {
            SystemInfo.graphicsDeviceType = UnityEngine.Rendering.GraphicsDeviceType.OpenGLCore;
            var camera = new GameObject("Camera").AddComponent<Camera>();
            var viewport = new Rect(0.5f, 0f, 0.5f, 1f); // the right half: split screen
            camera.rect = viewport;
            RenderTexture target = null;
            Texture2D readback = null;
            Tensor frame = FrameCapture.Capture(camera, 8, 4, ref target, ref readback);
            Assert.AreEqual(0f, camera.StubLastRenderRect.x, "rendered with the full viewport");
            Assert.AreEqual(1f, camera.StubLastRenderRect.width);
            Assert.AreEqual(viewport.x, camera.rect.x, "the camera's own viewport is restored");
            Assert.AreEqual(viewport.width, camera.rect.width);
            Assert.AreEqual(0, Texture2D.StubManagedCopies, "read from the texture's memory, not a managed copy of it");
            byte[] bytes = frame.DataSegment.Array;
            int offset = frame.DataSegment.Offset;
            // Row 0 of the frame is the top row, Unity's y = 3; pixel (x, y) = (x, y, 7).
            Assert.AreEqual(0, bytes[offset + 0]);
            Assert.AreEqual(3, bytes[offset + 1]);
            Assert.AreEqual(7, bytes[offset + 2]);
            int lastRowFirstPixel = offset + 3 * 8 * 3 + 7 * 3;
            Assert.AreEqual(7, bytes[lastRowFirstPixel], "x of the bottom-right pixel");
            Assert.AreEqual(0, bytes[lastRowFirstPixel + 1], "the bottom row is last");
        }

        [Test]
        public void WithoutAGraphicsDeviceRgbArrayIsNotOfferedAndCaptureSaysWhy()
        {
            RlayEnvironment environment = Scene(1);
            Frames(1);
            Renderable(environment, new Rect(0, 0, 1, 1));
            environment.enabled = false;
            environment.enabled = true;
            Frames(1);
            Assert.IsFalse(environment.Spec.RenderModes.Contains("rgb_array"), "-nographics: render() could not give frames");
            RenderTexture target = null;
            Texture2D readback = null;
            var camera = new GameObject("Camera").AddComponent<Camera>();
            var error = Assert.Throws<CommandException>(() => FrameCapture.Capture(camera, 4, 4, ref target, ref readback));
            StringAssert.Contains("graphics device", error.Message);
        }

        [Test]
        public void RenderReturnsTheAgentCamerasFrame()
        {
            SystemInfo.graphicsDeviceType = UnityEngine.Rendering.GraphicsDeviceType.OpenGLCore;
            RlayEnvironment environment = Scene(1);
            Frames(1);
            Renderable(environment, new Rect(0, 0, 1, 1));
            environment.enabled = false;
            environment.enabled = true;
            Frames(1);
            Assert.IsTrue(environment.Spec.RenderModes.Contains("rgb_array"));
            using (var player = new Player())
            {
                Trainer trainer = player.Attach(environment, "rgb_array");
                trainer.Reset(1);
                Value[] frames = trainer.Render();
                CollectionAssert.AreEqual(new long[] { 120, 160, 3 }, frames[0].Tensor.Shape);
            }
        }
    }

    [TestFixture]
    public class SampleTests : SceneTest
    {
        [Test]
        public void CartPolePlaysItselfWhenOnlyTheInputSystemIsActive()
        {
            // Compiled without ENABLE_LEGACY_INPUT_MANAGER: UnityEngine.Input throws, as in such a project.
            Assert.Throws<InvalidOperationException>(() => Input.GetAxisRaw("Horizontal"));
            var root = new GameObject("Scene");
            root.AddComponent<CartPoleScene>();
            root.GetComponent<RlayEnvironment>().Port = 0;
            Frames(60);
            Assert.AreEqual("", Console.Exceptions());
            var agent = (CartPoleAgent)root.GetComponent<RlayEnvironment>().Agents[0];
            Assert.IsTrue(agent.StepCount >= 50, "the heuristic drove the cart-pole: " + agent.StepCount + " steps");
            Assert.AreEqual(1, agent.EpisodeCount, "the balancer kept the pole up");
        }

        [Test]
        public void CartPoleSceneBuildsWithEngineCodeStripping()
        {
            StubPlayerLoop.StripEngineCode = true;
            var root = new GameObject("Scene");
            root.AddComponent<CartPoleScene>();
            Assert.AreEqual("", Console.Exceptions());
            Assert.IsNotNull(root.GetComponent<RlayEnvironment>(), "Awake ran to the end");
        }
    }
}
