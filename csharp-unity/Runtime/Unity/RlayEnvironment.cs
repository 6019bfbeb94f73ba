using System;
using System.Collections.Generic;
using System.Diagnostics;
using Rlay.Protocol;
using UnityEngine;
using UnityEngine.Rendering;
using Debug = UnityEngine.Debug;

namespace Rlay.Unity
{
    /// <summary>
    /// The scene's environment: gathers every <see cref="RlayAgent"/> as one
    /// sub-environment, owns the connection to the trainer, and steps the
    /// scene in lockstep with it. Put exactly one in a scene.
    /// </summary>
    /// <remarks>
    /// <para><b>Connection.</b> When the game is started with
    /// <c>-rlay-address ADDR</c> (or <c>RLAY_ADDRESS=ADDR</c>) — what Python's
    /// <c>rlay.ServerEnv(launch=[...])</c> does — it dials ADDR. Otherwise it
    /// listens on <c>tcp://127.0.0.1:{port}</c> for <c>rlay.ClientEnv</c>.
    /// The token comes from <c>RLAY_TOKEN</c>, else from the inspector.</para>
    ///
    /// <para><b>Threads.</b> The connection lives on a background thread
    /// (Unity's API is main-thread only). It hands each command to the main
    /// thread through a <see cref="MainThreadChannel"/> and waits for the
    /// answer; the main thread takes commands in <c>FixedUpdate</c> (or
    /// <c>Update</c>, see <see cref="SteppingMode"/>). Every wait has a bound
    /// and a disconnect wakes both sides, so a trainer that goes away never
    /// leaves the game stuck: it logs why and goes back to heuristic control.</para>
    ///
    /// <para><b>Stepping.</b> One step command = apply each agent's action,
    /// let <see cref="DecisionPeriod"/> fixed (physics) steps pass, then
    /// collect observations, rewards and end flags. Two ways to let them pass:
    /// <list type="bullet">
    /// <item><see cref="SteppingMode.FixedUpdate"/> (default): the engine's
    /// own clock. The main thread waits inside <c>FixedUpdate</c> for the next
    /// command, so the whole game — physics, every script's FixedUpdate,
    /// animation — advances exactly as in normal play, only paced by the
    /// trainer. Raise <c>Time.timeScale</c> (the "time_scale" call) to run
    /// more fixed steps per rendered frame. This is what ML-Agents does and
    /// what works for any game; the cost is that the editor window does not
    /// repaint while the trainer thinks.</item>
    /// <item><see cref="SteppingMode.ManualPhysics"/>: physics is switched to
    /// script simulation while a trainer is attached and advanced with
    /// <c>Physics.Simulate</c>, as many steps per frame as arrive within
    /// <see cref="FrameBudgetMilliseconds"/>. Faster (not bound to frame
    /// pacing) and the editor stays responsive, but only physics and the
    /// agents advance: other scripts' FixedUpdate still run on the real-time
    /// clock, out of step with training. Use it for scenes whose dynamics
    /// live in rigidbodies and agents.</item>
    /// </list>
    /// While a trainer is attached with FixedUpdate stepping, every frame covers
    /// exactly one decision (<c>Time.captureDeltaTime</c> = fixed step × decision
    /// period at time scale 1), so Update, animation and cameras see the same
    /// number of frames per step however fast the trainer answers.</para>
    ///
    /// <para><b>Stopped time.</b> Unity calls no FixedUpdate while
    /// <c>Time.timeScale</c> is 0 (a pause menu). Then commands are taken in
    /// Update: reset, render and calls are answered, a step fails with "the
    /// game is paused". In the editor, a trainer that stays connected but
    /// sends nothing for <see cref="EditorIdlePauseSeconds"/> stops time the
    /// same way, so the editor stays responsive; its next step starts time again.</para>
    ///
    /// <para><b>Life cycle.</b> The first episodes begin and the connection
    /// opens on the first FixedUpdate or Update, after every agent's own
    /// <c>Start</c>. Disabling the component — also what recompiling scripts in
    /// Play mode does before the reload — closes the connection (the trainer sees
    /// it end) and enabling it again reopens it.</para>
    ///
    /// <para><b>No trainer.</b> Agents act on <c>Heuristic()</c> once per
    /// decision and restart ended episodes themselves, so the game stays
    /// playable in the editor and in a player started without an address.</para>
    /// </remarks>
    [DefaultExecutionOrder(-1000)]
    [DisallowMultipleComponent]
    [AddComponentMenu("rlay/Rlay Environment")]
    public sealed class RlayEnvironment : MonoBehaviour
    {
        /// <summary>How a step's fixed steps are made to pass.</summary>
        public enum SteppingMode
        {
            /// <summary>The engine's clock; the main thread waits in FixedUpdate (any game).</summary>
            FixedUpdate = 0,
            /// <summary>Physics.Simulate from Update while a trainer is attached (physics-only scenes).</summary>
            ManualPhysics = 1,
        }

        /// <summary>What happens to a sub-environment whose episode ended (gymnasium's AutoresetMode).</summary>
        public enum Autoreset
        {
            /// <summary>The next step resets it and ignores its action.</summary>
            NextStep = 1,
            /// <summary>The ending step resets it; the final observation travels in the step's finals.</summary>
            SameStep = 2,
            /// <summary>Never; the trainer resets ended sub-environments itself.</summary>
            Disabled = 3,
        }

        [Tooltip("The env id the trainer sees (EnvSpec.env_id); empty: the product name.")]
        [SerializeField]
        string envId = "";

        [Header("Connection")]
        [Tooltip("Listen on tcp://127.0.0.1:port for rlay.ClientEnv when no -rlay-address is given.")]
        [SerializeField]
        bool listen = true;

        [Tooltip("Port to listen on; 0 picks a free one (shown in the log and the inspector).")]
        [SerializeField]
        int port = 5555;

        [Tooltip("Dial a ServerEnv at this address (e.g. tcp://192.168.1.10:5556) when none is given by -rlay-address or RLAY_ADDRESS. Empty: listen instead.")]
        [SerializeField]
        string dialAddress = "";

        [Tooltip("Shared secret the trainer must present; RLAY_TOKEN overrides it. Empty: none.")]
        [SerializeField]
        string token = "";

        [Tooltip("Seconds to keep trying to reach a ServerEnv given by -rlay-address before playing on without it.")]
        [SerializeField]
        float connectTimeoutSeconds = 60f;

        [Tooltip("A connected trainer that sends nothing for this long is dropped; 0: wait as long as it stays connected.")]
        [SerializeField]
        float trainerIdleTimeoutSeconds = 300f;

        [Tooltip("In a player started with -rlay-address: quit when the trainer leaves or cannot be reached.")]
        [SerializeField]
        bool quitWhenTrainerLeaves = true;

        [Tooltip("Editor only: stop time (Time.timeScale 0) when an attached trainer sends nothing for this long, so the editor stays responsive; its next step starts time again. 0: keep waiting.")]
        [SerializeField]
        float editorIdlePauseSeconds = 1f;

        [Header("Stepping")]
        [Tooltip("Fixed (physics) steps per action.")]
        [SerializeField]
        int decisionPeriod = 1;

        [Tooltip("Call OnActionReceived on every fixed step of a decision (true) or only the first (false).")]
        [SerializeField]
        bool repeatActions = true;

        [SerializeField]
        SteppingMode stepping = SteppingMode.FixedUpdate;

        [Tooltip("ManualPhysics only: at most this long per frame is spent simulating before the frame is drawn.")]
        [SerializeField]
        float frameBudgetMilliseconds = 50f;

        [SerializeField]
        Autoreset autoreset = Autoreset.NextStep;

        [Tooltip("The sub-environments, in order. Empty: every RlayAgent in the scene, in hierarchy order.")]
        [SerializeField]
        List<RlayAgent> agents = new List<RlayAgent>();

        [Tooltip("Multi-agent scenes: an agent whose episode ended begins a new one at a later step (true), or stays out until the next reset.")]
        [SerializeField]
        bool respawnEndedAgents = true;

        // While a trainer is attached, FixedUpdate waits for it in slices of
        // this length, checking in between whether it is still connected.
        static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(250);

        const string PausedMessage = "the game is paused (Time.timeScale is 0): steps wait until it runs again; reset, render and calls still work";

        LockstepController controller;
        AgentRoster roster;
        TrainerLink link;
        EnvSpec spec;
        LaunchOptions launch;
        bool advanced;
        bool setUpPending;
        bool launchedByTrainer;
        volatile bool quitRequested;
        volatile int quitCode;
        readonly TrainingTime training = new TrainingTime();

        /// <summary>The scene's environment, once it has started.</summary>
        public static RlayEnvironment Instance { get; private set; }

        /// <summary>True while a trainer drives the scene.</summary>
        public bool IsTrainerConnected { get { return controller != null && controller.IsRemote; } }

        /// <summary>One line on the connection, for the inspector and logs.</summary>
        public string StatusText { get { return link == null ? (controller == null ? "not started" : "no connection") : link.Status; } }

        /// <summary>The address a ClientEnv should dial, or null when not listening.</summary>
        public string ListenAddress { get { return link == null ? null : link.ListenAddress; } }

        /// <summary>The spec the trainer receives.</summary>
        public EnvSpec Spec { get { return spec; } }

        /// <summary>The lockstep state machine (null before Start).</summary>
        public LockstepController Controller { get { return controller; } }

        /// <summary>Decision steps completed since the start.</summary>
        public long TotalSteps { get { return controller == null ? 0 : controller.TotalSteps; } }

        /// <summary>The sub-environments, in the order the trainer sees them.</summary>
        public IList<RlayAgent> Agents { get { return agents.AsReadOnly(); } }

        /// <summary>True when the agents declare behaviours (protocol 1.1 multi-agent; null roster before Start).</summary>
        public bool IsMultiAgent { get { return roster != null; } }

        /// <summary>One line per behaviour (its agents, decision intervals, who is live), for the inspector.</summary>
        public List<string> BehaviorSummary()
        {
            return roster == null ? new List<string>() : SceneAgents.Summary(roster);
        }

        /// <summary>The env id the trainer sees; set before Start.</summary>
        public string EnvId
        {
            get { return envId; }
            set { envId = value ?? ""; }
        }

        /// <summary>The port to listen on for ClientEnv (0: a free one); set before Start.</summary>
        public int Port
        {
            get { return port; }
            set { port = value; }
        }

        /// <summary>Seconds to keep trying to reach a ServerEnv given by -rlay-address; set before Start.</summary>
        public float ConnectTimeoutSeconds
        {
            get { return connectTimeoutSeconds; }
            set { connectTimeoutSeconds = Math.Max(0f, value); }
        }

        /// <summary>A ServerEnv to dial when the command line and environment give none; set before Start.</summary>
        public string DialAddress
        {
            get { return dialAddress; }
            set { dialAddress = value ?? ""; }
        }

        /// <summary>How a step's fixed steps pass; set before Start.</summary>
        public SteppingMode Stepping
        {
            get { return stepping; }
            set { stepping = value; }
        }

        /// <summary>Fixed (physics) steps per action; changing it takes effect at the next decision.</summary>
        public int DecisionPeriod
        {
            get { return decisionPeriod; }
            set
            {
                decisionPeriod = Math.Max(1, value);
                if (controller != null)
                {
                    controller.DecisionPeriod = decisionPeriod;
                    OnTimingChanged();
                }
            }
        }

        /// <summary>Editor only: seconds an attached trainer may stay idle before time stops (0: never).</summary>
        public float EditorIdlePauseSeconds
        {
            get { return editorIdlePauseSeconds; }
            set { editorIdlePauseSeconds = Math.Max(0f, value); }
        }

        /// <summary>True while time is stopped because the attached trainer is idle (editor only).</summary>
        public bool IsStoppedForIdleTrainer { get { return training.StoppedForIdle; } }

        /// <summary>
        /// Serve a named call from the trainer, e.g. <c>env.call("spawn_rate", 2.0)</c>
        /// in Python; the handler runs on the main thread and may return null.
        /// Register in Awake or Start.
        /// </summary>
        public void RegisterCall(string name, Func<Value, Value> handler)
        {
            pendingCalls[name] = handler;
            if (controller != null)
                controller.RegisterCall(name, handler);
        }

        readonly Dictionary<string, Func<Value, Value>> pendingCalls = new Dictionary<string, Func<Value, Value>>();

        /// <summary>Python that connects to this scene as it runs now.</summary>
        public string PythonSnippet()
        {
            string address = ListenAddress ?? ("tcp://127.0.0.1:" + port);
            string auth = string.IsNullOrEmpty(token) ? "" : ", token=\"...\"";
            if (roster != null || SceneAgents.IsMultiAgent(agents))
                return "import rlay\n\n"
                    + "env = rlay.ParallelClientEnv(\"" + address + "\"" + auth + ")   # a PettingZoo ParallelEnv\n"
                    + "observations, infos = env.reset(seed=0)\n"
                    + "actions = {agent: env.action_space(agent).sample() for agent in env.agents}\n"
                    + "observations, rewards, terminations, truncations, infos = env.step(actions)\n";
            int count = controller != null ? controller.NumEnvs : agents.Count;
            // One agent is a gymnasium.Env; several are one gymnasium VectorEnv.
            string kind = count > 1 ? "ClientVectorEnv" : "ClientEnv";
            return "import rlay\n\n"
                + "env = rlay." + kind + "(\"" + address + "\"" + (string.IsNullOrEmpty(token) ? "" : ", token=\"...\"") + ")\n"
                + "obs, info = env.reset(seed=0)\n"
                + "obs, reward, terminated, truncated, info = env.step(env.action_space.sample())\n";
        }

        void Awake()
        {
            if (Instance != null && Instance != this)
            {
                Debug.LogError("rlay: more than one RlayEnvironment in the scene; this one (" + name + ") is disabled", this);
                enabled = false;
                return;
            }
            Instance = this;
        }

        void OnEnable()
        {
            if (Instance == null)
                Instance = this; // after a script reload: statics start empty, Awake is not called again
            if (Instance != this)
                return;
            RouteCoreLog();
            // Set up on the first FixedUpdate or Update: by then every agent's own
            // Start has run (Unity orders Start by execution order too, and this
            // component runs early), so OnEpisodeBegin may use what Start cached.
            setUpPending = true;
        }

        void OnDisable()
        {
            setUpPending = false;
            if (controller == null)
                return;
            Debug.Log("rlay: RlayEnvironment disabled (or scripts recompiling): the trainer connection is closed; it opens again when the component is enabled", this);
            Shutdown("the game's RlayEnvironment was disabled (or its scripts recompiled)");
            controller = null;
        }

        /// <summary>The core's own messages (refused handshakes, dropped connections) go to the Console.</summary>
        static void RouteCoreLog()
        {
            // Debug.Log may be called from any thread; the core logs from its session threads.
            RlayLog.Sink = (level, message) =>
            {
                if (level >= LogLevel.Error)
                    Debug.LogError("rlay: " + message);
                else if (level == LogLevel.Warning)
                    Debug.LogWarning("rlay: " + message);
                else
                    Debug.Log("rlay: " + message);
            };
        }

        void SetUpIfPending()
        {
            if (!setUpPending)
                return;
            setUpPending = false;
            SetUp();
        }

        void SetUp()
        {
            try
            {
                launch = LaunchOptions.FromProcess();
            }
            catch (ArgumentException error)
            {
                Debug.LogError("rlay: " + error.Message, this);
                launch = LaunchOptions.Parse(new string[0], null);
            }
            if (agents.Count == 0)
                agents = SceneAgents.Find();
            agents.RemoveAll(a => a == null);
            if (agents.Count == 0)
            {
                Debug.LogError("rlay: no RlayAgent found in the scene; add a component deriving from RlayAgent", this);
                enabled = false;
                return;
            }
            try
            {
                if (SceneAgents.IsMultiAgent(agents))
                {
                    roster = new AgentRoster(SceneAgents.Slots(agents)) { RespawnEndedAgents = respawnEndedAgents };
                    controller = new LockstepController(roster);
                }
                else
                {
                    roster = null;
                    controller = new LockstepController(agents.ConvertAll(a => (ISubEnvironment)a));
                }
            }
            catch (Exception error)
            {
                Debug.LogError("rlay: " + error.Message, this);
                enabled = false;
                return;
            }
            controller.DecisionPeriod = Math.Max(1, decisionPeriod);
            controller.RepeatActions = repeatActions;
            if (roster == null)
                controller.AutoresetMode = (AutoresetMode)(int)autoreset;
            controller.TrainerAttached += OnTrainerAttached;
            controller.TrainerDetached += OnTrainerDetached;
            controller.CommandFailed += error => Debug.LogException(error, this);
            controller.AgentFailed += OnAgentFailed;
            BuiltInCalls.Register(controller, this);
            foreach (KeyValuePair<string, Func<Value, Value>> call in pendingCalls)
                controller.RegisterCall(call.Key, call.Value);
            try
            {
                spec = BuildSpec();
                if (roster != null)
                    new AgentSession(spec); // the protocol's rules for names and behaviours, checked now
            }
            catch (Exception error)
            {
                Debug.LogError("rlay: " + error.Message, this);
                controller = null;
                enabled = false;
                return;
            }
            // Start every agent's first episode so heuristic play begins from a
            // start state; one agent that throws does not keep the others (or the
            // connection) from starting.
            controller.BeginHeuristicEpisodes();
            Connect();
        }

        void OnAgentFailed(int index, Exception error)
        {
            RlayAgent agent = index < agents.Count ? agents[index] : null;
            Debug.LogException(error, agent);
            Debug.LogError("rlay: agent " + index + (agent != null ? " (" + agent.name + ")" : "") + " threw: " + error.Message + "; the other agents go on", agent);
        }

        void Connect()
        {
            if (Application.platform == RuntimePlatform.WebGLPlayer)
            {
                // A browser page cannot open TCP sockets: say so once instead of failing on each try.
                Debug.LogWarning("rlay: a WebGL build cannot reach a trainer (browsers allow no TCP sockets); train with a desktop or server build of this project (or ServerEnv over WebSocket, once rlay has it). Agents follow their Heuristic()", this);
                return;
            }
            string secret = launch.Token ?? (string.IsNullOrEmpty(token) ? null : token);
            var settings = new TrainerLink.Settings
            {
                Spec = spec,
                Token = secret,
                ConnectTimeout = TimeSpan.FromSeconds(Math.Max(0f, connectTimeoutSeconds)),
                IdleTimeout = TimeSpan.FromSeconds(Math.Max(0f, trainerIdleTimeoutSeconds)),
                Log = message => Debug.Log("rlay: " + message),
                LogWarning = message => Debug.LogWarning("rlay: " + message),
            };
            try
            {
                string dial = launch.DialAddress ?? (string.IsNullOrEmpty(dialAddress) ? null : dialAddress);
                if (dial != null)
                {
                    // Only a player started with the address (by ServerEnv) quits when the trainer leaves.
                    launchedByTrainer = launch.DialAddress != null;
                    settings.OnDialFailed = reason => RequestQuit(1, "could not reach the trainer at " + dial + ": " + reason);
                    link = TrainerLink.Dial(controller, dial, settings);
                }
                else if (listen || launch.ListenAddress != null)
                {
                    string address = launch.ListenAddress ?? ("tcp://127.0.0.1:" + port);
                    link = TrainerLink.Listen(controller, address, settings);
                    Debug.Log("rlay: listening on " + link.ListenAddress + " — in Python: rlay.ClientEnv(\"" + link.ListenAddress + "\")", this);
                }
                else
                {
                    Debug.Log("rlay: not listening and no -rlay-address given; agents follow their Heuristic()", this);
                    return;
                }
            }
            catch (Exception error)
            {
                // A taken port or a bad address must not break the game: it stays playable.
                Debug.LogError("rlay: cannot connect (" + error.Message + "); agents follow their Heuristic()", this);
                if (launchedByTrainer)
                    RequestQuit(1, error.Message);
                return;
            }
            // A trainer expects the game to keep running while its window is in the background.
            Application.runInBackground = true;
        }

        void FixedUpdate()
        {
            SetUpIfPending();
            if (controller == null)
                return;
            if (stepping == SteppingMode.ManualPhysics && controller.IsRemote)
                return; // Update drives the simulation while a trainer is attached.
            if (advanced)
            {
                advanced = false;
                controller.AfterFixedStep();
            }
            if (stepping == SteppingMode.FixedUpdate)
            {
                // Lockstep: the world must not advance until the trainer's
                // next step command. Pump returns false while none has come;
                // it returns true once one has, or once the trainer is gone
                // (closed, dropped after the idle timeout), so this ends.
                Stopwatch idle = null;
                while (!controller.Pump(WaitSlice()))
                {
                    if (!Application.isEditor || editorIdlePauseSeconds <= 0f)
                        continue;
                    if (idle == null)
                        idle = Stopwatch.StartNew();
                    else if (idle.Elapsed.TotalSeconds >= editorIdlePauseSeconds)
                    {
                        StopTimeForIdleTrainer();
                        return;
                    }
                }
            }
            else if (!controller.Pump(TimeSpan.Zero))
            {
                return; // a trainer just attached: Update takes over
            }
            controller.BeforeFixedStep();
            advanced = true;
        }

        TimeSpan WaitSlice()
        {
            if (!Application.isEditor || editorIdlePauseSeconds <= 0f)
                return PollSlice;
            return TimeSpan.FromSeconds(Math.Min(PollSlice.TotalSeconds, Math.Max(0.01, editorIdlePauseSeconds / 2)));
        }

        void StopTimeForIdleTrainer()
        {
            // This fixed step still runs (Unity is inside it) with the agents idle;
            // no further one does until the trainer's next step.
            training.StopForIdle();
            Debug.Log("rlay: the trainer is idle: time stopped (Time.timeScale 0) until its next step; the editor stays responsive", this);
        }

        void Update()
        {
            SetUpIfPending();
            if (quitRequested)
            {
                quitRequested = false;
                Application.Quit(quitCode);
                return;
            }
            if (controller == null)
                return;
            training.NoticeTimeScale();
            if (stepping == SteppingMode.FixedUpdate && Time.timeScale == 0f)
            {
                PumpWhileTimeStopped();
                return;
            }
            if (stepping != SteppingMode.ManualPhysics || !controller.IsRemote)
                return;
            // Simulate as many fixed steps as the trainer asks for within the
            // frame budget, then let the frame be drawn (the editor stays responsive).
            Stopwatch clock = Stopwatch.StartNew();
            TimeSpan budget = TimeSpan.FromMilliseconds(Math.Max(1f, frameBudgetMilliseconds));
            while (clock.Elapsed < budget)
            {
                if (!controller.Pump(budget - clock.Elapsed) || !controller.IsRemote)
                    break;
                controller.BeforeFixedStep();
                training.Simulate(Time.fixedDeltaTime);
                controller.AfterFixedStep();
            }
        }

        /// <summary>
        /// No FixedUpdate runs while Time.timeScale is 0: answer what can be
        /// answered without advancing the world. When rlay itself stopped time
        /// for an idle trainer, the trainer's next step starts it again;
        /// otherwise the game is paused and steps are refused.
        /// </summary>
        void PumpWhileTimeStopped()
        {
            bool held = controller.PumpPaused(() => training.StoppedForIdle || Time.timeScale != 0f ? null : PausedMessage);
            if (training.StoppedForIdle && (held || !controller.IsRemote))
                training.Resume();
        }

        void OnTrainerAttached()
        {
            Debug.Log("rlay: trainer connected; " + agents.Count + " sub-environment(s), decision period " + decisionPeriod, this);
            advanced = false;
            if (stepping == SteppingMode.ManualPhysics)
                training.StartScriptedPhysics();
            else
                training.StartPacing(decisionPeriod);
        }

        void OnTrainerDetached(string reason)
        {
            Debug.Log("rlay: trainer disconnected" + (string.IsNullOrEmpty(reason) ? "" : " (" + reason + ")") + "; agents follow their Heuristic()", this);
            advanced = false;
            training.RestoreAll();
            if (launchedByTrainer)
                RequestQuit(0, "the trainer left");
        }

        void RequestQuit(int code, string reason)
        {
            if (!quitWhenTrainerLeaves || Application.isEditor)
                return;
            if (code != 0)
                Debug.LogError("rlay: quitting: " + reason);
            else
                Debug.Log("rlay: quitting: " + reason);
            quitCode = code;
            quitRequested = true; // Application.Quit belongs to the main thread: Update calls it.
        }

        void OnDestroy()
        {
            Shutdown("the scene was unloaded");
            if (Instance == this)
                Instance = null;
        }

        void OnApplicationQuit()
        {
            Shutdown("the game is quitting");
        }

        void Shutdown(string reason)
        {
            // Close the channel first: it wakes a session thread waiting for
            // this (main) thread, so that stopping the link does not wait on it.
            if (controller != null)
                controller.DetachNow(reason);
            if (link != null)
            {
                link.Dispose();
                link = null;
            }
            training.RestoreAll();
            advanced = false;
        }

        /// <summary>The spec's timing after a fixed_delta_time or decision_period change, for the next trainer.</summary>
        void RefreshSpec()
        {
            if (controller == null || spec == null)
                return;
            spec = BuildSpec();
            if (link != null)
                link.UpdateSpec(spec);
        }

        bool CanRender()
        {
            // -nographics: no device, no frames; do not offer what render() cannot give.
            if (SystemInfo.graphicsDeviceType == GraphicsDeviceType.Null)
                return false;
            // Multi-agent: one frame, from the first agent that renders; else every sub-env renders.
            if (roster != null)
                return agents.Exists(a => a.CanRender);
            foreach (RlayAgent agent in agents)
                if (!agent.CanRender)
                    return false;
            return true;
        }

        EnvSpec BuildSpec()
        {
            string id = string.IsNullOrEmpty(envId) ? Application.productName : envId;
            EnvSpec result;
            if (roster != null)
            {
                result = SceneAgents.MultiAgentSpec(id, roster);
            }
            else
            {
                result = new EnvSpec
                {
                    EnvId = id,
                    ObservationSpace = controller.ObservationSpace,
                    ActionSpace = controller.ActionSpace,
                    NumEnvs = (uint)agents.Count,
                    AutoresetMode = controller.AutoresetMode,
                };
                int limit = agents[0].MaxEpisodeSteps;
                if (agents.TrueForAll(a => a.MaxEpisodeSteps == limit))
                    result.MaxEpisodeSteps = (ulong)limit;
            }
            result.RenderFps = 1.0 / (Time.fixedDeltaTime * Math.Max(1, decisionPeriod));
            if (CanRender())
                result.RenderModes.Add("rgb_array");
            result.Metadata = Values.Map(new ValueDict
            {
                { "engine", "unity" },
                { "unity_version", Application.unityVersion },
                { "game_version", Application.version },
                { "decision_period", Math.Max(1, decisionPeriod) },
                { "fixed_delta_time", (double)Time.fixedDeltaTime },
            });
            return result;
        }

        /// <summary>The fixed step or decision period changed: frame pacing and the spec follow.</summary>
        internal void OnTimingChanged()
        {
            training.UpdatePacing(decisionPeriod);
            RefreshSpec();
        }
    }
}
