// Engine-independent: no UnityEngine here, so it is unit-tested under plain Mono.
using System;
using System.Collections.Generic;
using Rlay.Protocol;

namespace Rlay.Unity
{
    /// <summary>One agent of a multi-agent scene, as the <see cref="AgentRoster"/> sees it.</summary>
    public sealed class AgentSlot
    {
        /// <summary>The agent (its spaces are its behaviour's).</summary>
        public ISubEnvironment Env;

        /// <summary>Unique among the scene's agents.</summary>
        public string Name;

        /// <summary>The behaviour (group) name; agents of one behaviour share spaces.</summary>
        public string Behavior;

        /// <summary>Environment steps between two decisions of this agent (1: every step).</summary>
        public int DecisionInterval = 1;

        /// <summary>Whether the agent is in the scene now (an absent agent is not spawned); null: always.</summary>
        public Func<bool> IsPresent;
    }

    /// <summary>
    /// The multi-agent life cycle of a scene's agents: who is alive, who decides this step,
    /// who ended, who spawns or respawns, and what each reply reports (docs/protocol.md,
    /// "Multi-agent envs"). Driven by <see cref="LockstepController"/> once per
    /// environment step (a tick of <c>DecisionPeriod</c> fixed steps).
    /// </summary>
    /// <remarks>
    /// An agent is alive from its episode's begin to its end (EndEpisode, Truncate, Max
    /// Episode Steps); it is live — it needs an action — when alive and its steps since
    /// spawning are a multiple of its decision interval. Between decisions it repeats its
    /// last action (with RepeatActions) or does nothing. An ended agent respawns (begins a
    /// new episode) at the first tick of a later step; an absent agent (disabled) spawns
    /// when it becomes present. When no agent is live after a tick but some are alive, the
    /// step goes on for more ticks until one is, so the trainer never waits on nobody; when
    /// none is alive, the reply ends the episode.
    /// </remarks>
    public sealed class AgentRoster
    {
        // A step that finds nobody deciding after this many ticks answers anyway.
        const int MaxTicksPerStep = 10000;

        readonly List<AgentSlot> slots;
        readonly int n;
        readonly bool[] alive;
        readonly bool[] live;
        readonly bool[] everAlive;
        readonly bool[] endedThisStep;
        readonly bool[] acted;
        readonly int[] ticks;
        readonly Value[] lastAction;
        readonly AgentReport?[] pending;
        int ticksThisStep;

        public AgentRoster(IList<AgentSlot> agents)
        {
            if (agents == null || agents.Count == 0)
                throw new ArgumentException("a multi-agent scene needs at least one agent");
            slots = new List<AgentSlot>(agents);
            n = slots.Count;
            alive = new bool[n];
            live = new bool[n];
            everAlive = new bool[n];
            endedThisStep = new bool[n];
            acted = new bool[n];
            ticks = new int[n];
            lastAction = new Value[n];
            pending = new AgentReport?[n];
            RespawnEndedAgents = true;
        }

        /// <summary>The agents, in spec order.</summary>
        public List<AgentSlot> Slots { get { return slots; } }

        /// <summary>Ended agents begin a new episode at a later step (true) or stay out until reset.</summary>
        public bool RespawnEndedAgents { get; set; }

        /// <summary>Whether agent i needs an action now.</summary>
        public bool IsLive(int i) { return live[i]; }

        /// <summary>Whether agent i is in an episode now.</summary>
        public bool IsAlive(int i) { return alive[i]; }

        /// <summary>Begin every present agent's episode (seed + i when seeded); report them live.</summary>
        public void Reset(ulong? seed, Value options, AgentReports reports)
        {
            for (int i = 0; i < n; i++)
            {
                alive[i] = live[i] = everAlive[i] = false;
                lastAction[i] = null;
                if (!Present(i))
                    continue;
                Spawn(i, seed.HasValue ? unchecked(seed.Value + (ulong)i) : (ulong?)null, options);
                slots[i].Env.TakeReward();
                live[i] = true;
            }
            // Observed once every agent has begun: an observation may look at the others.
            for (int i = 0; i < n; i++)
                if (live[i])
                    reports.Live(i, slots[i].Env.Observe(), slots[i].Env.TakeInfo());
        }

        /// <summary>Heuristic play: begin every present agent's episode.</summary>
        public void BeginAll(Action<int, Exception> failed)
        {
            for (int i = 0; i < n; i++)
            {
                alive[i] = live[i] = false;
                if (!Present(i))
                    continue;
                try
                {
                    Spawn(i, null, null);
                    live[i] = true;
                }
                catch (Exception error)
                {
                    failed(i, error);
                }
            }
        }

        /// <summary>A trainer's step begins: each live agent's action (already checked).</summary>
        public void StartStep(IList<AgentAction> actions)
        {
            Array.Clear(acted, 0, n);
            Array.Clear(endedThisStep, 0, n);
            Array.Clear(pending, 0, n);
            ticksThisStep = 0;
            foreach (AgentAction action in actions)
            {
                lastAction[action.Agent] = action.Action;
                acted[action.Agent] = true;
            }
        }

        /// <summary>Heuristic play: the live agents choose their own actions.</summary>
        public void DecideHeuristically(Action<int, Exception> failed)
        {
            Array.Clear(endedThisStep, 0, n);
            Array.Clear(acted, 0, n);
            for (int i = 0; i < n; i++)
            {
                if (!live[i])
                    continue;
                try
                {
                    lastAction[i] = slots[i].Env.Heuristic();
                    acted[i] = true;
                }
                catch (Exception error)
                {
                    failed(i, error);
                }
            }
        }

        /// <summary>One fixed step: agents apply their actions.</summary>
        /// <param name="firstOfTick">The first fixed step of this environment step.</param>
        /// <param name="repeat">Apply the last action on every fixed step, and between decisions.</param>
        /// <param name="failed">Null: exceptions propagate (a trainer's step fails); else per-agent isolation.</param>
        public void Act(bool firstOfTick, bool repeat, Action<int, Exception> failed)
        {
            bool decisionTick = ticksThisStep == 0;
            for (int i = 0; i < n; i++)
            {
                if (!alive[i] || lastAction[i] == null || slots[i].Env.IsTerminated || slots[i].Env.IsTruncated)
                    continue;
                bool fresh = acted[i] && decisionTick && firstOfTick;
                if (!fresh && !repeat)
                    continue;
                if (failed == null)
                {
                    slots[i].Env.Act(lastAction[i], fresh);
                    continue;
                }
                try
                {
                    slots[i].Env.Act(lastAction[i], fresh);
                }
                catch (Exception error)
                {
                    failed(i, error);
                }
            }
        }

        /// <summary>
        /// An environment step (tick) ended: count it, find ends, spawns and who decides next.
        /// With <paramref name="reports"/> (a trainer's step), returns true when the step can
        /// be answered (someone is live, or nobody can be); the reports are then complete.
        /// </summary>
        public bool EndTick(AgentReports reports, Action<int, Exception> failed)
        {
            bool trainer = reports != null;
            var ended = new bool[n];
            for (int i = 0; i < n; i++)
            {
                if (!alive[i])
                    continue;
                ISubEnvironment env = slots[i].Env;
                Guard(i, failed, () => env.CompleteStep());
                ticks[i]++;
                if (env.IsTerminated || env.IsTruncated)
                {
                    ended[i] = true;
                    endedThisStep[i] = true;
                    alive[i] = false;
                    live[i] = false;
                    if (trainer)
                        Merge(i, env.Observe(), env.TakeReward(), env.IsTerminated, env.IsTruncated, env.TakeInfo(), false);
                    else
                        Guard(i, failed, () => { env.TakeReward(); env.TakeInfo(); });
                }
            }
            for (int i = 0; i < n; i++)
            {
                if (alive[i] || endedThisStep[i] || !Present(i))
                    continue;
                if (everAlive[i] && !RespawnEndedAgents)
                    continue;
                if (trainer)
                {
                    Spawn(i, null, null);
                    slots[i].Env.TakeReward();
                    ticks[i] = 0;
                }
                else
                {
                    Guard(i, failed, () => Spawn(i, null, null));
                }
            }
            bool anyLive = false;
            bool anyAlive = false;
            for (int i = 0; i < n; i++)
            {
                live[i] = alive[i] && ticks[i] % Math.Max(1, slots[i].DecisionInterval) == 0;
                anyLive |= live[i];
                anyAlive |= alive[i];
            }
            if (!trainer)
            {
                for (int i = 0; i < n; i++)
                    if (alive[i] && !ended[i])
                        Guard(i, failed, () => { slots[i].Env.TakeReward(); slots[i].Env.TakeInfo(); });
                return true;
            }
            for (int i = 0; i < n; i++)
            {
                if (ended[i] || !alive[i])
                    continue;
                // Acted this step, or became live without acting (spawned, deciding again).
                if ((acted[i] && ticksThisStep == 0) || live[i])
                    Merge(i, slots[i].Env.Observe(), slots[i].Env.TakeReward(), false, false, slots[i].Env.TakeInfo(), live[i]);
            }
            ticksThisStep++;
            // Spawns are done, so nobody alive means nobody can be: the episode is over.
            bool done = anyLive || !anyAlive || ticksThisStep >= MaxTicksPerStep;
            if (!done)
                return false;
            for (int i = 0; i < n; i++)
            {
                if (!pending[i].HasValue)
                    continue;
                AgentReport report = pending[i].Value;
                report.Live = live[i];
                reports.Step(report.Agent, report.Observation, report.Reward, report.Terminated, report.Truncated, report.Info, report.Live);
            }
            return true;
        }

        void Merge(int i, Value observation, double reward, bool terminated, bool truncated, Value info, bool isLive)
        {
            AgentReport report = pending[i] ?? new AgentReport { Agent = i };
            report.Observation = observation;
            report.Reward += reward;
            report.Terminated |= terminated;
            report.Truncated |= truncated;
            report.Info = info ?? report.Info;
            report.Live = isLive;
            pending[i] = report;
        }

        void Spawn(int i, ulong? seed, Value options)
        {
            slots[i].Env.BeginEpisode(seed, options);
            alive[i] = true;
            everAlive[i] = true;
            ticks[i] = 0;
            lastAction[i] = null;
        }

        bool Present(int i)
        {
            return slots[i].IsPresent == null || slots[i].IsPresent();
        }

        static void Guard(int i, Action<int, Exception> failed, Action action)
        {
            if (failed == null)
            {
                action();
                return;
            }
            try
            {
                action();
            }
            catch (Exception error)
            {
                failed(i, error);
            }
        }
    }
}
