// Engine-independent: no UnityEngine here, so it is unit-tested under plain Mono.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using Rlay.Protocol;

namespace Rlay.Unity
{
    /// <summary>How the controller is driven: who is choosing the actions.</summary>
    public enum ControlMode
    {
        /// <summary>No trainer: agents act on <c>Heuristic</c> and reset themselves.</summary>
        Heuristic,
        /// <summary>A trainer is attached and the world waits for its next command.</summary>
        AwaitingCommand,
        /// <summary>A trainer is attached and a step is under way.</summary>
        Stepping,
    }

    /// <summary>
    /// The lockstep state machine between a trainer's commands and the
    /// simulation's fixed steps. Engine-independent: RlayEnvironment drives
    /// it from Unity's loop, tests drive it from a plain loop.
    /// </summary>
    /// <remarks>
    /// The driver, on the main thread, repeats:
    /// <code>
    /// if (controller.Pump(wait)) {       // handle commands; true: the world may advance
    ///     controller.BeforeFixedStep();  // agents apply their actions
    ///     /* the engine advances one fixed step */
    ///     controller.AfterFixedStep();   // count it; a finished step is answered
    /// }
    /// </code>
    /// While a trainer is attached, <see cref="Pump"/> returns false until a
    /// step command arrives, and the world must not advance: that is the
    /// lockstep. A step lasts <see cref="DecisionPeriod"/> fixed steps; its
    /// answer (observations, rewards, flags) goes back after the last one.
    /// Reset, render and call commands are answered inside <see cref="Pump"/>
    /// without advancing the world. With no trainer, <see cref="Pump"/>
    /// returns true at once and agents act on their heuristic.
    /// </remarks>
    public sealed class LockstepController
    {
        readonly List<ISubEnvironment> envs = new List<ISubEnvironment>();
        readonly Dictionary<string, Func<Value, Value>> calls = new Dictionary<string, Func<Value, Value>>();
        readonly object attachGate = new object();
        MainThreadChannel incoming;
        string incomingRenderMode;
        MainThreadChannel channel;
        PendingCommand stepCommand;
        PendingCommand heldStep;
        readonly AgentRoster roster;
        AgentReports agentReports;
        StepResult stepResult;
        Value[] actions;
        bool[] resetThisStep;
        bool[] needsReset;
        bool[] ended;
        int substep;
        bool hasReset;

        /// <param name="envs">The sub-environments, in the order the trainer sees them.</param>
        /// <exception cref="ArgumentException">No sub-environment, or their spaces differ.</exception>
        public LockstepController(IList<ISubEnvironment> envs)
            : this(envs, AutoresetMode.NextStep)
        {
            ObservationSpace = envs[0].ObservationSpace;
            ActionSpace = envs[0].ActionSpace;
            if (ObservationSpace == null || ActionSpace == null)
                throw new ArgumentException("sub-environment 0 declares no observation or action space");
            byte[] observation = ObservationSpace.ToByteArray();
            byte[] action = ActionSpace.ToByteArray();
            for (int i = 1; i < envs.Count; i++)
            {
                if (!SameBytes(envs[i].ObservationSpace.ToByteArray(), observation) || !SameBytes(envs[i].ActionSpace.ToByteArray(), action))
                    throw new ArgumentException("sub-environment " + i + " declares other spaces than sub-environment 0; every agent of one RlayEnvironment needs the same spaces");
            }
        }

        /// <summary>A multi-agent scene (protocol 1.1): agents with behaviours, their own decision
        /// intervals, ends and respawns (see <see cref="AgentRoster"/>).</summary>
        public LockstepController(AgentRoster roster)
            : this(roster == null ? null : roster.Slots.ConvertAll(slot => slot.Env), AutoresetMode.Disabled)
        {
            this.roster = roster;
        }

        LockstepController(IList<ISubEnvironment> envs, AutoresetMode autoreset)
        {
            if (envs == null || envs.Count == 0)
                throw new ArgumentException("at least one sub-environment is needed (no RlayAgent in the scene?)");
            this.envs.AddRange(envs);
            int n = envs.Count;
            actions = new Value[n];
            resetThisStep = new bool[n];
            needsReset = new bool[n];
            ended = new bool[n];
            DecisionPeriod = 1;
            RepeatActions = true;
            AutoresetMode = autoreset;
            Mode = ControlMode.Heuristic;
        }

        /// <summary>The multi-agent roster, or null for a scene of identical sub-environments.</summary>
        public AgentRoster Roster { get { return roster; } }

        public Space ObservationSpace { get; private set; }

        public Space ActionSpace { get; private set; }

        public int NumEnvs { get { return envs.Count; } }

        /// <summary>Fixed steps per action (at least 1).</summary>
        public int DecisionPeriod { get; set; }

        /// <summary>Re-apply the last action on every fixed step of a decision, not only the first.</summary>
        public bool RepeatActions { get; set; }

        /// <summary>What happens to a sub-environment whose episode ended (trainer mode only).</summary>
        public AutoresetMode AutoresetMode { get; set; }

        /// <summary>The render mode the attached trainer asked for; null for none.</summary>
        public string RenderMode { get; private set; }

        public ControlMode Mode { get; private set; }

        /// <summary>True while a trainer is attached.</summary>
        public bool IsRemote { get { return Mode != ControlMode.Heuristic; } }

        /// <summary>Number of completed decision steps since the start (both modes).</summary>
        public long TotalSteps { get; private set; }

        /// <summary>Raised on the main thread when a trainer takes over.</summary>
        public event Action TrainerAttached;

        /// <summary>Raised on the main thread when the trainer is gone; the argument says why.</summary>
        public event Action<string> TrainerDetached;

        /// <summary>Raised on the main thread when game code threw while answering a command
        /// (the trainer gets the message as an ERROR_CODE_ENV error).</summary>
        public event Action<Exception> CommandFailed;

        /// <summary>Raised on the main thread when one sub-environment's code threw while no
        /// trainer was attached (heuristic play); the others go on.</summary>
        public event Action<int, Exception> AgentFailed;

        /// <summary>Serve a named call (e.g. "time_scale"); the handler runs on the main thread.</summary>
        public void RegisterCall(string name, Func<Value, Value> handler)
        {
            if (string.IsNullOrEmpty(name))
                throw new ArgumentException("a call needs a name");
            if (handler == null)
                throw new ArgumentNullException("handler");
            calls[name] = handler;
        }

        /// <summary>Names of the registered calls.</summary>
        public ICollection<string> CallNames { get { return calls.Keys; } }

        /// <summary>
        /// Any thread: hand a new trainer's channel to the main thread, which
        /// switches to it at its next <see cref="Pump"/>.
        /// </summary>
        /// <param name="newChannel">Carries the trainer's commands.</param>
        /// <param name="renderMode">The render mode it asked for, or null.</param>
        /// <returns>False when another trainer is attached or waiting.</returns>
        public bool TryAttach(MainThreadChannel newChannel, string renderMode)
        {
            lock (attachGate)
            {
                bool busy = (incoming != null && !incoming.IsClosed) || (channel != null && !channel.IsClosed);
                if (busy)
                    return false;
                incoming = newChannel;
                incomingRenderMode = renderMode;
                return true;
            }
        }

        /// <summary>
        /// Main thread: handle what the trainer sent, waiting up to
        /// <paramref name="wait"/> for it; true when the world may advance one
        /// fixed step now.
        /// </summary>
        public bool Pump(TimeSpan wait)
        {
            SwitchChannel();
            if (Mode == ControlMode.Heuristic || Mode == ControlMode.Stepping)
                return true;
            Stopwatch clock = Stopwatch.StartNew();
            while (true)
            {
                if (channel.IsClosed)
                {
                    Detach(channel.CloseReason);
                    return true;
                }
                TimeSpan left = wait - clock.Elapsed;
                PendingCommand command = heldStep ?? channel.Take(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                heldStep = null;
                if (command == null)
                {
                    if (channel.IsClosed)
                        continue;
                    return false;
                }
                if (Handle(command))
                    return true;
            }
        }

        /// <summary>
        /// Main thread, while the world cannot advance (the game's time is stopped):
        /// answer resets, renders and calls at once. A step cannot be answered now:
        /// when <paramref name="refusal"/> returns null it is held for the next
        /// <see cref="Pump"/> (the caller lets time run) and true is returned;
        /// otherwise it fails with that message, and so does a step already under way.
        /// </summary>
        /// <param name="refusal">Asked for each step: why it cannot run, or null to hold it
        /// (asked again each time, since a call just answered may have restarted time).</param>
        /// <returns>True when a step command is held and time should run again.</returns>
        public bool PumpPaused(Func<string> refusal)
        {
            SwitchChannel();
            if (Mode == ControlMode.Heuristic)
                return false;
            if (Mode == ControlMode.Stepping)
            {
                string why = refusal();
                if (why == null)
                    return false;
                AbortStep(new CommandException(ErrorCode.FailedPrecondition, why));
            }
            if (heldStep != null)
                return true;
            while (true)
            {
                if (channel.IsClosed)
                {
                    Detach(channel.CloseReason);
                    return false;
                }
                PendingCommand command = channel.Take(TimeSpan.Zero);
                if (command == null)
                    return false;
                if (command.Request is StepCommand || command.Request is AgentStepCommand)
                {
                    string why = refusal();
                    if (why == null)
                    {
                        heldStep = command;
                        return true;
                    }
                    command.Fail(new CommandException(ErrorCode.FailedPrecondition, why));
                    continue;
                }
                Handle(command);
            }
        }

        /// <summary>Main thread: the world is about to advance one fixed step.</summary>
        public void BeforeFixedStep()
        {
            if (roster != null)
            {
                if (Mode == ControlMode.Heuristic && substep == 0)
                    roster.DecideHeuristically(ReportAgentFailure);
                if (Mode == ControlMode.AwaitingCommand)
                    return;
                roster.Act(substep == 0, RepeatActions, Mode == ControlMode.Heuristic ? (Action<int, Exception>)ReportAgentFailure : null);
                return;
            }
            if (Mode == ControlMode.Heuristic && substep == 0)
                DecideHeuristically();
            if (Mode == ControlMode.AwaitingCommand)
                return;
            for (int i = 0; i < envs.Count; i++)
            {
                if (actions[i] == null || ended[i] || envs[i].IsTerminated || envs[i].IsTruncated)
                    continue;
                if (substep == 0 || RepeatActions)
                {
                    if (Mode == ControlMode.Heuristic)
                        Isolated(i, () => envs[i].Act(actions[i], substep == 0));
                    else
                        envs[i].Act(actions[i], substep == 0);
                }
            }
        }

        /// <summary>Main thread, no trainer attached: begin every agent's episode, isolating
        /// a failure (reported through <see cref="AgentFailed"/>) from the others.</summary>
        public void BeginHeuristicEpisodes()
        {
            if (roster != null)
            {
                roster.BeginAll(ReportAgentFailure);
                return;
            }
            for (int i = 0; i < envs.Count; i++)
            {
                int index = i;
                Isolated(index, () => Begin(index, null, null));
            }
        }

        void ReportAgentFailure(int i, Exception error)
        {
            if (AgentFailed == null)
                throw new InvalidOperationException("agent " + i + " failed: " + error.Message, error);
            AgentFailed(i, error);
        }

        void Isolated(int i, Action action)
        {
            try
            {
                action();
            }
            catch (Exception error)
            {
                if (AgentFailed == null)
                    throw;
                AgentFailed(i, error);
            }
        }

        /// <summary>Main thread: the world advanced one fixed step.</summary>
        public void AfterFixedStep()
        {
            if (Mode == ControlMode.AwaitingCommand)
                return;
            if (roster != null)
            {
                AfterAgentsFixedStep();
                return;
            }
            for (int i = 0; i < envs.Count; i++)
                ended[i] = ended[i] || envs[i].IsTerminated || envs[i].IsTruncated;
            substep++;
            if (substep < Math.Max(1, DecisionPeriod))
                return;
            substep = 0;
            TotalSteps++;
            if (Mode == ControlMode.Stepping)
                FinishStep();
            else
                FinishHeuristicStep();
        }

        void AfterAgentsFixedStep()
        {
            substep++;
            if (substep < Math.Max(1, DecisionPeriod))
                return;
            substep = 0;
            TotalSteps++;
            if (Mode != ControlMode.Stepping)
            {
                roster.EndTick(null, ReportAgentFailure);
                return;
            }
            PendingCommand command = stepCommand;
            bool done;
            try
            {
                done = roster.EndTick(agentReports, null);
            }
            catch (Exception error)
            {
                stepCommand = null;
                Mode = ControlMode.AwaitingCommand;
                if (command != null)
                    Failed(command, error);
                return;
            }
            if (!done)
                return; // nobody decides yet: the step goes on for another tick
            stepCommand = null;
            Mode = ControlMode.AwaitingCommand;
            if (command != null)
                command.Complete(agentReports);
        }

        /// <summary>Main thread: drop the trainer (and one about to attach); their commands fail at once.</summary>
        public void DetachNow(string reason)
        {
            lock (attachGate)
            {
                if (incoming != null)
                    incoming.Close(reason);
                incoming = null;
            }
            if (channel != null)
                channel.Close(reason);
            if (IsRemote)
                Detach(reason);
        }

        void SwitchChannel()
        {
            lock (attachGate)
            {
                if (incoming == null)
                    return;
                if (channel != null && !channel.IsClosed)
                    return;
                if (IsRemote)
                    Detach(channel == null ? "" : channel.CloseReason);
                channel = incoming;
                RenderMode = incomingRenderMode;
                incoming = null;
                incomingRenderMode = null;
            }
            Mode = ControlMode.AwaitingCommand;
            hasReset = false;
            substep = 0;
            if (TrainerAttached != null)
                TrainerAttached();
        }

        /// <summary>A step under way cannot finish: fail it and wait for the next command.</summary>
        void AbortStep(Exception error)
        {
            if (stepCommand != null)
                stepCommand.Fail(error);
            stepCommand = null;
            stepResult = null;
            substep = 0;
            Mode = ControlMode.AwaitingCommand;
        }

        void Detach(string reason)
        {
            if (stepCommand != null)
            {
                stepCommand.Fail(new ChannelClosedException(reason));
                stepCommand = null;
            }
            if (heldStep != null)
            {
                heldStep.Fail(new ChannelClosedException(reason));
                heldStep = null;
            }
            Mode = ControlMode.Heuristic;
            RenderMode = null;
            substep = 0;
            if (TrainerDetached != null)
                TrainerDetached(reason);
        }

        /// <summary>Answer one command; true when it started a step (the world must advance).</summary>
        bool Handle(PendingCommand command)
        {
            try
            {
                var reset = command.Request as ResetCommand;
                if (reset != null)
                {
                    command.Complete(Reset(reset.Args));
                    return false;
                }
                var agentReset = command.Request as AgentResetCommand;
                if (agentReset != null)
                {
                    var reports = new AgentReports();
                    roster.Reset(agentReset.Seed, agentReset.Options, reports);
                    hasReset = true;
                    command.Complete(reports);
                    return false;
                }
                var agentStep = command.Request as AgentStepCommand;
                if (agentStep != null)
                {
                    if (!hasReset)
                        throw new CommandException(ErrorCode.FailedPrecondition, "step before reset: call reset() first");
                    roster.StartStep(agentStep.Actions);
                    agentReports = new AgentReports();
                    substep = 0;
                    stepCommand = command;
                    Mode = ControlMode.Stepping;
                    return true;
                }
                var step = command.Request as StepCommand;
                if (step != null)
                {
                    StartStep(step.Actions);
                    stepCommand = command;
                    return true;
                }
                if (command.Request is RenderCommand)
                {
                    command.Complete(Render());
                    return false;
                }
                var call = command.Request as CallCommand;
                if (call != null)
                {
                    command.Complete(Call(call.Name, call.Value));
                    return false;
                }
                throw new ProtocolException("unexpected command object " + command.Request);
            }
            catch (Exception error)
            {
                Failed(command, error);
                return false;
            }
        }

        void Failed(PendingCommand command, Exception error)
        {
            bool expected = error is InvalidValueException || error is UnimplementedException || error is CommandException;
            if (!expected && CommandFailed != null)
                CommandFailed(error);
            command.Fail(error);
        }

        ResetResult Reset(ResetArgs args)
        {
            int n = envs.Count;
            var result = new ResetResult(n);
            for (int i = 0; i < n; i++)
            {
                if (!args.Includes(i))
                    continue;
                Begin(i, args.Seeds == null ? null : args.Seeds[i], args.Options);
                result.Infos[i] = envs[i].TakeInfo();
            }
            hasReset = true;
            for (int i = 0; i < n; i++)
                result.Observations[i] = envs[i].Observe();
            return result;
        }

        void StartStep(Value[] stepActions)
        {
            if (!hasReset)
                throw new CommandException(ErrorCode.FailedPrecondition, "step before reset: call reset() first");
            if (stepActions == null || stepActions.Length != envs.Count)
                throw new InvalidValueException("actions: expected " + envs.Count + ", got " + (stepActions == null ? 0 : stepActions.Length));
            for (int i = 0; i < envs.Count; i++)
            {
                resetThisStep[i] = AutoresetMode == AutoresetMode.NextStep && needsReset[i];
                if (resetThisStep[i])
                {
                    // The action of a sub-env that ended last step is ignored (gymnasium NEXT_STEP).
                    Begin(i, null, null);
                    actions[i] = null;
                }
                else
                {
                    actions[i] = stepActions[i];
                }
            }
            substep = 0;
            stepResult = new StepResult(envs.Count);
            Mode = ControlMode.Stepping;
        }

        void FinishStep()
        {
            StepResult result = stepResult;
            PendingCommand command = stepCommand;
            stepResult = null;
            stepCommand = null;
            Mode = ControlMode.AwaitingCommand;
            try
            {
                for (int i = 0; i < envs.Count; i++)
                    Conclude(i, result);
            }
            catch (Exception error)
            {
                if (command != null)
                    Failed(command, error);
                return;
            }
            if (command != null)
                command.Complete(result);
        }

        /// <summary>Reward, flags, info and observation of sub-env i at the end of a step.</summary>
        void Conclude(int i, StepResult result)
        {
            ISubEnvironment env = envs[i];
            if (resetThisStep[i])
            {
                // NEXT_STEP reset: reward 0, not ended, the new episode's first observation.
                env.TakeReward();
                result.Infos[i] = env.TakeInfo();
                result.Observations[i] = env.Observe();
                return;
            }
            env.CompleteStep();
            result.Rewards[i] = env.TakeReward();
            result.Terminated[i] = env.IsTerminated;
            result.Truncated[i] = env.IsTruncated;
            result.Infos[i] = env.TakeInfo();
            result.Observations[i] = env.Observe();
            if (!result.Terminated[i] && !result.Truncated[i])
                return;
            if (AutoresetMode == AutoresetMode.NextStep)
            {
                needsReset[i] = true;
            }
            else if (AutoresetMode == AutoresetMode.SameStep)
            {
                result.AddFinal(i, result.Observations[i], result.Infos[i]);
                Begin(i, null, null);
                result.Infos[i] = env.TakeInfo();
                result.Observations[i] = env.Observe();
            }
        }

        void DecideHeuristically()
        {
            for (int i = 0; i < envs.Count; i++)
            {
                actions[i] = null;
                Isolated(i, () =>
                {
                    if (ended[i] || envs[i].IsTerminated || envs[i].IsTruncated)
                        Begin(i, null, null);
                    actions[i] = envs[i].Heuristic();
                });
            }
        }

        void FinishHeuristicStep()
        {
            for (int i = 0; i < envs.Count; i++)
            {
                ISubEnvironment env = envs[i];
                Isolated(i, () =>
                {
                    env.CompleteStep();
                    env.TakeReward();
                    env.TakeInfo();
                });
            }
        }

        Value[] Render()
        {
            if (string.IsNullOrEmpty(RenderMode))
                throw new CommandException(ErrorCode.FailedPrecondition, "render() without a render mode: pass render_mode=\"rgb_array\" when connecting");
            if (roster != null)
            {
                // One env, one frame: the first agent that renders one.
                foreach (ISubEnvironment env in envs)
                {
                    Value frame = env.Render(RenderMode);
                    if (frame != null)
                        return new[] { frame };
                }
                return new Value[1];
            }
            var frames = new Value[envs.Count];
            for (int i = 0; i < envs.Count; i++)
                frames[i] = envs[i].Render(RenderMode);
            return frames;
        }

        Value Call(string name, Value value)
        {
            Func<Value, Value> handler;
            if (!calls.TryGetValue(name ?? "", out handler))
                throw new UnimplementedException("no call named '" + name + "'; this env serves: " + string.Join(", ", new List<string>(calls.Keys).ToArray()));
            return handler(value);
        }

        void Begin(int i, ulong? seed, Value options)
        {
            envs[i].BeginEpisode(seed, options);
            needsReset[i] = false;
            ended[i] = false;
            actions[i] = null;
        }

        /// <summary>Byte-for-byte equality (of two spaces' encodings).</summary>
        internal static bool SameBytes(byte[] a, byte[] b)
        {
            if (a.Length != b.Length)
                return false;
            for (int i = 0; i < a.Length; i++)
                if (a[i] != b[i])
                    return false;
            return true;
        }
    }

    /// <summary>A reset, as the session thread hands it to the main thread.</summary>
    public sealed class ResetCommand
    {
        public ResetArgs Args;
    }

    /// <summary>A step with each sub-environment's action (element forms, already checked against the space).</summary>
    public sealed class StepCommand
    {
        public Value[] Actions;
    }

    /// <summary>A multi-agent reset: one seed for the scene (agent i gets seed + i).</summary>
    public sealed class AgentResetCommand
    {
        public ulong? Seed;
        public Value Options;
    }

    /// <summary>A multi-agent step: one action per live agent, checked by the session.</summary>
    public sealed class AgentStepCommand
    {
        public List<AgentAction> Actions;
    }

    /// <summary>A render of every sub-environment.</summary>
    public sealed class RenderCommand
    {
    }

    /// <summary>A named call.</summary>
    public sealed class CallCommand
    {
        public string Name;
        public Value Value;
    }
}
