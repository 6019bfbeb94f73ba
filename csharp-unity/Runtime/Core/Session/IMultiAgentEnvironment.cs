using System.Collections.Generic;
using Rlay.Protocol;

namespace Rlay
{
    /// <summary>
    /// A multi-agent env (protocol 1.1): named agents grouped by behaviour, each live when it
    /// needs an action. <see cref="EnvSession"/> drives it instead of the single-agent
    /// <see cref="IEnvironment.Reset"/> / <see cref="IEnvironment.Step"/> when the EnvSpec from
    /// <see cref="IEnvironment.Open"/> lists agents (see <see cref="EnvSpecs.MultiAgent"/>).
    /// </summary>
    /// <remarks>
    /// Agents are numbered by their position in <c>EnvSpec.agents</c>. The session checks the
    /// agent side's actions (one per live agent, none for others, each in its behaviour's
    /// action space) before calling <see cref="StepAgents"/>, keeps track of who is live from
    /// the env's reports, builds the per-behaviour batches, and refuses a step once no agent
    /// is live (the episode is over) until the next reset. The env reports, per step, every
    /// agent that acted, every agent that ended, and every agent that became live; each at
    /// most once.
    /// <code>
    /// public void ResetAgents(ulong? seed, Value options, AgentReports reports) {
    ///     reports.Live(0, observationOfAgent0, null);
    /// }
    /// public void StepAgents(IList&lt;AgentAction&gt; actions, AgentReports reports) {
    ///     foreach (AgentAction a in actions) { /* apply a.Action to agent a.Agent */ }
    ///     reports.Step(0, observation, 1.0, false, false, null, true);
    /// }
    /// </code>
    /// </remarks>
    public interface IMultiAgentEnvironment : IEnvironment
    {
        /// <summary>Starts a new episode; reports every agent that is live at its start.</summary>
        void ResetAgents(ulong? seed, Value options, AgentReports reports);

        /// <summary>Applies one action per live agent (in agent order, element form, already
        /// checked) and reports what happened.</summary>
        void StepAgents(IList<AgentAction> actions, AgentReports reports);
    }

    /// <summary>One live agent's action.</summary>
    public struct AgentAction
    {
        /// <summary>The agent's index in <c>EnvSpec.agents</c>.</summary>
        public int Agent;

        /// <summary>The action, element form of its behaviour's action space.</summary>
        public Value Action;
    }

    /// <summary>What the env says of one agent in a reply.</summary>
    public struct AgentReport
    {
        public int Agent;
        public Value Observation;
        public double Reward;
        public bool Terminated;
        public bool Truncated;
        /// <summary>A map_value, or null for an empty info.</summary>
        public Value Info;
        public bool Live;
    }

    /// <summary>The agents an env reports in one reply; the session clears it before each command.</summary>
    public sealed class AgentReports
    {
        readonly List<AgentReport> reports = new List<AgentReport>();

        /// <summary>The reports in the order given.</summary>
        public IList<AgentReport> All { get { return reports; } }

        /// <summary>An agent that is live after a reset (or became live in a step, reward 0).</summary>
        public void Live(int agent, Value observation, Value info)
        {
            reports.Add(new AgentReport { Agent = agent, Observation = observation, Info = info, Live = true });
        }

        /// <summary>An agent's state after a step.</summary>
        public void Step(int agent, Value observation, double reward, bool terminated, bool truncated, Value info, bool live)
        {
            reports.Add(new AgentReport
            {
                Agent = agent,
                Observation = observation,
                Reward = reward,
                Terminated = terminated,
                Truncated = truncated,
                Info = info,
                Live = live && !terminated && !truncated,
            });
        }

        public void Clear()
        {
            reports.Clear();
        }
    }
}
