using System;
using Rlay.Protocol;
using UnityEngine;
using UnityEngine.Rendering;

namespace Rlay.Unity
{
    /// <summary>
    /// One sub-environment of the scene: what a trainer observes and controls.
    /// Subclass it, declare the spaces, write observations, apply actions.
    /// </summary>
    /// <remarks>
    /// Every RlayAgent of the scene is one sub-environment of the scene's
    /// <see cref="RlayEnvironment"/>, stepped in lockstep with the others; all
    /// must declare the same spaces. Give agents a <see cref="BehaviorName"/>
    /// and the scene is multi-agent instead (protocol 1.1, a PettingZoo
    /// ParallelEnv in Python): agents of different behaviours may have different
    /// spaces, each decides every <see cref="DecisionInterval"/> steps, an agent
    /// that ends respawns at a later step, and a disabled agent spawns when enabled. Per decision step the environment calls
    /// <see cref="OnActionReceived"/> (once per fixed step while the decision
    /// lasts, see <c>RlayEnvironment.repeatActions</c>), advances the world,
    /// then calls <see cref="CollectObservations"/> and reads the reward and
    /// end flags. With no trainer connected, <see cref="Heuristic"/> chooses
    /// the actions so that the game stays playable, and ended episodes restart
    /// on their own.
    /// <code>
    /// public class Balancer : RlayAgent
    /// {
    ///     public override Space DescribeObservationSpace() { return Spaces.Box(-10f, 10f, 3); }
    ///     public override Space DescribeActionSpace() { return Spaces.Discrete(2); }
    ///     public override void OnEpisodeBegin(ulong? seed, Value options) { transform.position = Vector3.zero; }
    ///     public override void CollectObservations(ObservationWriter obs) { obs.Add(transform.position); }
    ///     public override void OnActionReceived(ActionReader action)
    ///     {
    ///         transform.position += Vector3.right * (action.Discrete == 1 ? 0.1f : -0.1f);
    ///         AddReward(0.01f);
    ///         if (Mathf.Abs(transform.position.x) > 5f) EndEpisode();
    ///     }
    /// }
    /// </code>
    /// Every method is called on Unity's main thread.
    /// </remarks>
    public abstract class RlayAgent : MonoBehaviour, ISubEnvironment
    {
        [Tooltip("Decision steps after which an episode is truncated (a time limit); 0 for none.")]
        [SerializeField]
        int maxEpisodeSteps = 0;

        [Header("Multi-agent (Python: a PettingZoo ParallelEnv)")]
        [Tooltip("The behaviour (group) this agent belongs to; agents of one behaviour share spaces and may share a policy. Empty in every agent: the scene is a batch of identical sub-environments (a VectorEnv).")]
        [SerializeField]
        string behaviorName = "";

        [Tooltip("This agent's name for the trainer; empty: <behaviour>_<n> in scene order.")]
        [SerializeField]
        string agentName = "";

        [Tooltip("Multi-agent: decide every this many environment steps (1: every step); between decisions the last action is repeated.")]
        [SerializeField]
        int decisionInterval = 1;

        [Header("Rendering (render_mode=\"rgb_array\")")]
        [Tooltip("Camera whose view render() returns; none: this agent renders nothing.")]
        [SerializeField]
        Camera renderCamera = null;

        [SerializeField]
        int renderWidth = 160;

        [SerializeField]
        int renderHeight = 120;

        Space observationSpace;
        Space actionSpace;
        double reward;
        bool terminated;
        bool truncated;
        ValueDict info = new ValueDict();
        System.Random random = new System.Random();
        RenderTexture renderTexture;
        Texture2D readback;

        /// <summary>Decision steps after which an episode is truncated; 0 for none.</summary>
        public int MaxEpisodeSteps
        {
            get { return maxEpisodeSteps; }
            set { maxEpisodeSteps = Math.Max(0, value); }
        }

        /// <summary>The behaviour (group) name; non-empty in any agent makes the scene multi-agent.</summary>
        public string BehaviorName
        {
            get { return behaviorName; }
            set { behaviorName = value ?? ""; }
        }

        /// <summary>The agent's name for the trainer; empty: derived from the behaviour.</summary>
        public string AgentName
        {
            get { return agentName; }
            set { agentName = value ?? ""; }
        }

        /// <summary>Multi-agent: environment steps between two decisions (at least 1).</summary>
        public int DecisionInterval
        {
            get { return Math.Max(1, decisionInterval); }
            set { decisionInterval = Math.Max(1, value); }
        }

        /// <summary>Camera rendered by <c>render()</c>; null renders nothing.</summary>
        public Camera RenderCamera
        {
            get { return renderCamera; }
            set { renderCamera = value; }
        }

        /// <summary>Decision steps completed in the current episode.</summary>
        public int StepCount { get; private set; }

        /// <summary>Episodes begun since the scene started.</summary>
        public int EpisodeCount { get; private set; }

        /// <summary>Reward summed over the current episode (also while playing by hand).</summary>
        public double CumulativeReward { get; private set; }

        /// <summary>
        /// This agent's random numbers: reseeded when a reset brings a seed, so
        /// that an episode started with the same seed plays out the same.
        /// </summary>
        protected System.Random EpisodeRandom { get { return random; } }

        /// <summary>The observation space (one agent's, not the batch).</summary>
        /// <example><code>return Spaces.Box(-1f, 1f, 8);</code></example>
        public abstract Space DescribeObservationSpace();

        /// <summary>The action space (one agent's, not the batch).</summary>
        /// <example><code>return Spaces.Discrete(3);</code></example>
        public abstract Space DescribeActionSpace();

        /// <summary>Write the current observation; every number of the space must be written.</summary>
        public abstract void CollectObservations(ObservationWriter observation);

        /// <summary>Apply an action to the world (add forces, move, shoot).</summary>
        public abstract void OnActionReceived(ActionReader action);

        /// <summary>Put the world back to a start state for a new episode.</summary>
        /// <param name="seed">The reset's seed (already applied to <see cref="EpisodeRandom"/>), or null.</param>
        /// <param name="options">The reset's options (a map value; read with <c>Values.Get</c>), or null.</param>
        public virtual void OnEpisodeBegin(ulong? seed, Value options)
        {
        }

        /// <summary>
        /// Choose an action without a trainer (keyboard, a script); called once
        /// per decision while no trainer is connected. Unwritten numbers stay 0.
        /// </summary>
        /// <remarks>
        /// <c>UnityEngine.Input</c> throws when the project's Active Input Handling
        /// is the Input System package only: guard it with
        /// <c>#if ENABLE_LEGACY_INPUT_MANAGER</c>, and read <c>Keyboard.current</c>
        /// under <c>#if ENABLE_INPUT_SYSTEM</c> (see the CartPole sample).
        /// </remarks>
        public virtual void Heuristic(ActionWriter action)
        {
        }

        /// <summary>Add to the reward of the current step.</summary>
        public void AddReward(float increment)
        {
            reward += increment;
            CumulativeReward += increment;
        }

        /// <summary>Replace the reward of the current step.</summary>
        public void SetReward(float value)
        {
            CumulativeReward += value - reward;
            reward = value;
        }

        /// <summary>The episode reached a terminal state (Gymnasium's <c>terminated</c>).</summary>
        public void EndEpisode()
        {
            terminated = true;
        }

        /// <summary>The episode is cut short, not finished (Gymnasium's <c>truncated</c>: a time limit, out of bounds).</summary>
        public void Truncate()
        {
            truncated = true;
        }

        /// <summary>Put a value in this step's info dict (numbers, strings, bools, arrays, <c>Value</c>s).</summary>
        public void SetInfo(string key, object value)
        {
            info.Add(key, value);
        }

        /// <summary>
        /// A frame for <paramref name="mode"/>; the default renders
        /// <see cref="RenderCamera"/> for "rgb_array". Override for other modes
        /// (e.g. "ansi": return <c>Values.String(...)</c>).
        /// </summary>
        public virtual Value Render(string mode)
        {
            if (mode != "rgb_array" || renderCamera == null)
                return null;
            return Values.Tensor(FrameCapture.Capture(renderCamera, renderWidth, renderHeight, ref renderTexture, ref readback));
        }

        /// <summary>Whether this agent can render "rgb_array" frames (a camera, and a graphics device: not under -nographics).</summary>
        public virtual bool CanRender
        {
            get { return renderCamera != null && SystemInfo.graphicsDeviceType != GraphicsDeviceType.Null; }
        }

        protected virtual void OnDestroy()
        {
            FrameCapture.Release(ref renderTexture, ref readback);
        }

        Space ISubEnvironment.ObservationSpace
        {
            get
            {
                if (observationSpace == null)
                    observationSpace = DescribeObservationSpace();
                return observationSpace;
            }
        }

        Space ISubEnvironment.ActionSpace
        {
            get
            {
                if (actionSpace == null)
                    actionSpace = DescribeActionSpace();
                return actionSpace;
            }
        }

        void ISubEnvironment.BeginEpisode(ulong? seed, Value options)
        {
            reward = 0;
            terminated = false;
            truncated = false;
            CumulativeReward = 0;
            StepCount = 0;
            EpisodeCount++;
            info = new ValueDict();
            if (seed.HasValue)
                random = new System.Random(unchecked((int)(seed.Value ^ (seed.Value >> 32))));
            OnEpisodeBegin(seed, options);
        }

        Value ISubEnvironment.Observe()
        {
            var writer = new ObservationWriter(((ISubEnvironment)this).ObservationSpace);
            CollectObservations(writer);
            try
            {
                return writer.Build();
            }
            catch (InvalidValueException error)
            {
                throw new InvalidValueException(name + ": " + error.Message);
            }
        }

        void ISubEnvironment.Act(Value action, bool firstOfDecision)
        {
            OnActionReceived(new ActionReader(((ISubEnvironment)this).ActionSpace, action));
        }

        Value ISubEnvironment.Heuristic()
        {
            var writer = new ActionWriter(((ISubEnvironment)this).ActionSpace);
            Heuristic(writer);
            return writer.Build();
        }

        void ISubEnvironment.CompleteStep()
        {
            StepCount++;
            if (maxEpisodeSteps > 0 && StepCount >= maxEpisodeSteps)
                truncated = true;
        }

        double ISubEnvironment.TakeReward()
        {
            double taken = reward;
            reward = 0;
            return taken;
        }

        bool ISubEnvironment.IsTerminated { get { return terminated; } }

        bool ISubEnvironment.IsTruncated { get { return truncated; } }

        Value ISubEnvironment.TakeInfo()
        {
            if (info.Count == 0)
                return null;
            Value taken = Values.Map(info);
            info = new ValueDict();
            return taken;
        }

        Value ISubEnvironment.Render(string mode)
        {
            return Render(mode);
        }
    }
}
