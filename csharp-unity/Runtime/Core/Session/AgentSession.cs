using System;
using System.Collections.Generic;
using Rlay.Protocol;

namespace Rlay
{
    /// <summary>
    /// The multi-agent rules of a session (protocol 1.1, docs/protocol.md "Multi-agent envs"):
    /// checks the spec's agents and behaviours, checks each step's actions against who is
    /// live, and turns an env's <see cref="AgentReports"/> into per-behaviour batches.
    /// </summary>
    public sealed class AgentSession
    {
        /// <summary>The capability an agent side lists when it can drive a multi-agent env.</summary>
        public const string Capability = "multi_agent";

        readonly EnvSpec spec;
        readonly Dictionary<string, int> agentIndex = new Dictionary<string, int>();
        readonly Dictionary<string, int> behaviorIndex = new Dictionary<string, int>();
        readonly int[] behaviorOf;
        readonly bool[] live;
        readonly bool[] given;
        readonly List<AgentAction> actions = new List<AgentAction>();
        readonly AgentReports reports = new AgentReports();
        bool hasReset;

        /// <exception cref="InvalidOperationException">The spec's agents or behaviours break the rules.</exception>
        public AgentSession(EnvSpec spec)
        {
            this.spec = spec;
            for (int b = 0; b < spec.Behaviors.Count; b++)
            {
                BehaviorSpec behavior = spec.Behaviors[b];
                if (string.IsNullOrEmpty(behavior.Name))
                    throw new InvalidOperationException("behaviour " + b + " has no name");
                if (behaviorIndex.ContainsKey(behavior.Name))
                    throw new InvalidOperationException("two behaviours are named '" + behavior.Name + "'");
                if (behavior.ObservationSpace == null || behavior.ActionSpace == null)
                    throw new InvalidOperationException("behaviour '" + behavior.Name + "' needs an observation and an action space");
                behaviorIndex[behavior.Name] = b;
            }
            behaviorOf = new int[spec.Agents.Count];
            var used = new bool[spec.Behaviors.Count];
            for (int i = 0; i < spec.Agents.Count; i++)
            {
                AgentSpec agent = spec.Agents[i];
                if (string.IsNullOrEmpty(agent.Name))
                    throw new InvalidOperationException("agent " + i + " has no name");
                if (agentIndex.ContainsKey(agent.Name))
                    throw new InvalidOperationException("two agents are named '" + agent.Name + "'");
                int b;
                if (!behaviorIndex.TryGetValue(agent.Behavior, out b))
                    throw new InvalidOperationException("agent '" + agent.Name + "' names an undeclared behaviour '" + agent.Behavior + "'");
                agentIndex[agent.Name] = i;
                behaviorOf[i] = b;
                used[b] = true;
            }
            for (int b = 0; b < used.Length; b++)
                if (!used[b])
                    throw new InvalidOperationException("behaviour '" + spec.Behaviors[b].Name + "' has no agent");
            if (spec.ObservationSpace != null || spec.ActionSpace != null)
                throw new InvalidOperationException("a multi-agent EnvSpec leaves observation_space and action_space unset (they are per behaviour)");
            if (spec.NumEnvs > 1)
                throw new InvalidOperationException("a multi-agent env is one env (num_envs 1)");
            live = new bool[spec.Agents.Count];
            given = new bool[spec.Agents.Count];
        }

        /// <summary>True when the spec declares agents (the env is multi-agent).</summary>
        public static bool IsMultiAgent(EnvSpec spec)
        {
            return spec != null && spec.Agents.Count > 0;
        }

        /// <summary>The names of the agents live now.</summary>
        public List<string> LiveAgents()
        {
            var names = new List<string>();
            for (int i = 0; i < live.Length; i++)
                if (live[i])
                    names.Add(spec.Agents[i].Name);
            return names;
        }

        /// <summary>Reset the env and describe the live agents.</summary>
        public ResetResponse Reset(IMultiAgentEnvironment env, ulong? seed, Value options)
        {
            reports.Clear();
            env.ResetAgents(seed, options, reports);
            ResetResponse reply = new ResetResponse();
            Build(reply.Agents, false);
            hasReset = true;
            return reply;
        }

        /// <summary>Check the step's actions, step the env, describe the reported agents.</summary>
        public StepResponse Step(IMultiAgentEnvironment env, StepRequest step)
        {
            if (!hasReset)
                throw new CommandException(ErrorCode.FailedPrecondition, "step before the first reset");
            if (Array.IndexOf(live, true) < 0)
                throw new CommandException(ErrorCode.FailedPrecondition, "the episode is over (no agent is live): reset first");
            if (step.Actions != null && step.Actions.KindCase != Value.KindOneofCase.None)
                throw new InvalidValueException("actions: a multi-agent env takes agent_actions, not actions");
            CollectActions(step);
            reports.Clear();
            env.StepAgents(actions, reports);
            StepResponse reply = new StepResponse();
            Build(reply.Agents, true);
            return reply;
        }

        void CollectActions(StepRequest step)
        {
            actions.Clear();
            Array.Clear(given, 0, given.Length);
            for (int e = 0; e < step.AgentActions.Count; e++)
            {
                AgentActions entry = step.AgentActions[e];
                string path = "agent_actions[" + e + "]";
                int b;
                if (!behaviorIndex.TryGetValue(entry.Behavior, out b))
                    throw new InvalidValueException(path + ": unknown behaviour '" + entry.Behavior + "'");
                if (entry.Agents.Count == 0)
                    continue; // allowed, means nothing
                Value[] items = SpaceValues.Unbatch(spec.Behaviors[b].ActionSpace, entry.Actions, entry.Agents.Count, path + ".actions");
                for (int k = 0; k < entry.Agents.Count; k++)
                {
                    string name = entry.Agents[k];
                    int i;
                    if (!agentIndex.TryGetValue(name, out i))
                        throw new InvalidValueException(path + ": unknown agent '" + name + "'");
                    if (behaviorOf[i] != b)
                        throw new InvalidValueException(path + ": agent '" + name + "' has behaviour '" + spec.Agents[i].Behavior + "', not '" + entry.Behavior + "'");
                    if (!live[i])
                        throw new InvalidValueException(path + ": agent '" + name + "' is not live (it ended, is not deciding now, or has not spawned)");
                    if (given[i])
                        throw new InvalidValueException(path + ": agent '" + name + "' has two actions");
                    given[i] = true;
                    actions.Add(new AgentAction { Agent = i, Action = items[k] });
                }
            }
            for (int i = 0; i < live.Length; i++)
                if (live[i] && !given[i])
                    throw new InvalidValueException("agent_actions: no action for live agent '" + spec.Agents[i].Name + "'");
            actions.Sort((x, y) => x.Agent.CompareTo(y.Agent));
        }

        /// <summary>Batches in behaviour order, agents in spec order; updates who is live.</summary>
        void Build(List<AgentBatch> batches, bool stepReply)
        {
            int n = spec.Agents.Count;
            var byAgent = new int[n];
            for (int i = 0; i < n; i++)
                byAgent[i] = -1;
            IList<AgentReport> all = reports.All;
            for (int r = 0; r < all.Count; r++)
            {
                int i = all[r].Agent;
                if (i < 0 || i >= n)
                    throw new InvalidOperationException("the env reported agent " + i + ", which the spec does not declare");
                if (byAgent[i] >= 0)
                    throw new InvalidOperationException("the env reported agent '" + spec.Agents[i].Name + "' twice in one reply");
                if (all[r].Observation == null)
                    throw new InvalidOperationException("the env reported agent '" + spec.Agents[i].Name + "' without an observation");
                byAgent[i] = r;
            }
            if (stepReply)
                foreach (AgentAction acted in actions)
                    if (byAgent[acted.Agent] < 0)
                        throw new InvalidOperationException("the env did not report agent '" + spec.Agents[acted.Agent].Name + "', which acted");
            // Who is live changes only with a reply that is sent: a misreport (which throws
            // below) leaves the agent side's view of the episode as it was.
            var nextLive = new bool[n];
            for (int b = 0; b < spec.Behaviors.Count; b++)
            {
                var members = new List<int>();
                for (int i = 0; i < n; i++)
                    if (behaviorOf[i] == b && byAgent[i] >= 0)
                        members.Add(all[byAgent[i]].Agent);
                if (members.Count == 0)
                    continue;
                int m = members.Count;
                var batch = new AgentBatch { Behavior = spec.Behaviors[b].Name };
                var observations = new Value[m];
                var infos = new Value[m];
                var rewards = new double[m];
                var terminated = new bool[m];
                var truncated = new bool[m];
                var liveNow = new bool[m];
                for (int k = 0; k < m; k++)
                {
                    AgentReport report = all[byAgent[members[k]]];
                    batch.Agents.Add(spec.Agents[members[k]].Name);
                    observations[k] = report.Observation;
                    infos[k] = report.Info;
                    rewards[k] = report.Reward;
                    terminated[k] = report.Terminated;
                    truncated[k] = report.Truncated;
                    liveNow[k] = stepReply ? report.Live : true;
                    nextLive[members[k]] = liveNow[k];
                }
                try
                {
                    batch.Observations = SpaceValues.Batch(spec.Behaviors[b].ObservationSpace, observations, "observations", false);
                }
                catch (InvalidValueException e)
                {
                    throw new InvalidOperationException("behaviour '" + batch.Behavior + "': the env's observation does not fit its space: " + e.Message);
                }
                EnvSession.AddInfos(batch.Infos, infos);
                if (stepReply)
                {
                    batch.Rewards = Tensors.FromArray(rewards);
                    batch.Terminated = Tensors.FromArray(terminated);
                    batch.Truncated = Tensors.FromArray(truncated);
                    batch.Live = Tensors.FromArray(liveNow);
                }
                batches.Add(batch);
            }
            Array.Copy(nextLive, live, n);
        }
    }
}
