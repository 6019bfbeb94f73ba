using System;
using System.Collections.Generic;
using Rlay;
using Rlay.Protocol;

namespace Rlay.Conformance
{
    /// <summary>
    /// The `multi-agent` conformance environment (ENVIRONMENTS.md section 8): runners that
    /// die and respawn, scouts that decide every other step, runner_2 spawning late.
    /// </summary>
    sealed class MultiAgentEnv : IMultiAgentEnvironment
    {
        public const string Name = "multi-agent";
        const int Runner = 0;
        const int Scout = 1;
        const long Horizon = 8;
        static readonly string[] AgentNames = { "runner_0", "scout_0", "runner_1", "scout_1", "runner_2" };
        static readonly int[] BehaviorOf = { Runner, Scout, Runner, Scout, Runner };

        readonly int n = AgentNames.Length;
        readonly Space runnerObservation = Spaces.Box(Dtype.Int32, -100, 100, 3);
        readonly Space runnerAction = Spaces.Discrete(5, -2);
        readonly Space scoutObservation = Spaces.Dict(new SpaceDict
        {
            { "view", Spaces.Box(-8f, 8f, 2) },
            { "tick", Spaces.Discrete(9) },
        });
        readonly Space scoutAction = Spaces.Box(-1f, 1f, 2);
        readonly List<byte> scratch = new List<byte>();

        ulong key = Draws.K0;
        long t;
        readonly ulong[] k = new ulong[5];
        readonly long[] life = new long[5];
        readonly bool[] alive = new bool[5];
        readonly bool[] live = new bool[5];
        readonly long[] age = new long[5];
        readonly uint[] acc = new uint[5];
        readonly long[] x = new long[5];
        readonly double[] r = new double[5];
        readonly long[] end = new long[5];

        public EnvSpec Open(string renderMode)
        {
            if (renderMode != null)
                throw new InvalidValueException("render mode '" + renderMode + "' is not supported by conformance/" + Name);
            EnvSpec spec = EnvSpecs.MultiAgent("conformance/" + Name);
            spec.Behaviors.Add(new BehaviorSpec { Name = "runner", ObservationSpace = runnerObservation, ActionSpace = runnerAction });
            spec.Behaviors.Add(new BehaviorSpec { Name = "scout", ObservationSpace = scoutObservation, ActionSpace = scoutAction });
            for (int i = 0; i < n; i++)
                spec.Agents.Add(new AgentSpec { Name = AgentNames[i], Behavior = BehaviorOf[i] == Runner ? "runner" : "scout" });
            spec.MaxEpisodeSteps = (ulong)Horizon;
            spec.Metadata = Values.Map(new ValueDict { { "suite", "rlay-conformance" }, { "env", Name }, { "version", 1 } });
            return spec;
        }

        public void ResetAgents(ulong? seed, Value options, AgentReports reports)
        {
            key = seed.HasValue ? Draws.Mix(seed.Value) : Draws.Mix(key);
            t = 0;
            for (int i = 0; i < n; i++)
            {
                k[i] = Draws.D(key, i);
                life[i] = 0;
                alive[i] = false;
                live[i] = false;
            }
            for (int i = 0; i < 4; i++)
                Spawn(i);
            for (int i = 0; i < n; i++)
            {
                live[i] = alive[i];
                if (live[i])
                    reports.Live(i, Observe(i), Info(i));
            }
        }

        public void StepAgents(IList<AgentAction> actions, AgentReports reports)
        {
            var acted = new bool[n];
            // 1. Live agents act, in index order (the session sorted them).
            foreach (AgentAction action in actions)
            {
                int i = action.Agent;
                scratch.Clear();
                Draws.ElementBytes(BehaviorOf[i] == Runner ? runnerAction : scoutAction, action.Action, scratch);
                byte[] bytes = scratch.ToArray();
                acc[i] = Draws.Fold(acc[i], bytes, 0, bytes.Length);
                if (BehaviorOf[i] == Runner)
                    x[i] = Math.Max(-100, Math.Min(100, x[i] + action.Action.IntValue));
                acted[i] = true;
            }
            // 2. Time passes for everyone alive.
            t++;
            for (int i = 0; i < n; i++)
                if (alive[i])
                    age[i]++;
            // 3. Rewards.
            for (int i = 0; i < n; i++)
            {
                if (BehaviorOf[i] == Runner && acted[i])
                    r[i] += x[i] / 4.0;
                else if (BehaviorOf[i] == Scout && alive[i])
                    r[i] += age[i] / 8.0;
            }
            // 4. Ends.
            var terminated = new bool[n];
            var truncated = new bool[n];
            var ended = new bool[n];
            for (int i = 0; i < n; i++)
            {
                if (!alive[i])
                    continue;
                if (BehaviorOf[i] == Runner && age[i] >= RunnerLife(i))
                {
                    terminated[i] = true;
                    r[i] += 1;
                }
                if (t >= Horizon)
                    truncated[i] = true;
                if (terminated[i] || truncated[i])
                {
                    ended[i] = true;
                    alive[i] = false;
                    end[i] = t;
                }
            }
            // 5. Spawns and respawns, while the episode goes on.
            var spawned = new bool[n];
            if (t < Horizon)
                for (int i = 0; i < n; i++)
                {
                    if (BehaviorOf[i] != Runner || alive[i])
                        continue;
                    bool late = i == 4 && t == 1 && life[i] == 0;
                    bool respawn = life[i] > 0 && t == end[i] + 2;
                    if (late || respawn)
                    {
                        Spawn(i);
                        spawned[i] = true;
                    }
                }
            // 6. Who decides next.
            for (int i = 0; i < n; i++)
                live[i] = alive[i] && (BehaviorOf[i] == Runner || t % 2 == 0);
            // 7. Reports.
            for (int i = 0; i < n; i++)
            {
                if (!(acted[i] || ended[i] || (live[i] && !acted[i])))
                    continue;
                double reward = r[i];
                r[i] = 0;
                reports.Step(i, Observe(i), reward, terminated[i], truncated[i], Info(i), live[i]);
            }
        }

        long RunnerLife(int i)
        {
            return 2 + Draws.U(k[i], 0, 3);
        }

        void Spawn(int i)
        {
            if (life[i] > 0)
                k[i] = Draws.Mix(k[i]);
            life[i]++;
            alive[i] = true;
            age[i] = 0;
            acc[i] = Draws.FnvBasis;
            x[i] = 0;
            r[i] = 0;
        }

        Value Observe(int i)
        {
            ulong s = Draws.Mix(k[i] ^ (((ulong)age[i] << 32) | acc[i]));
            if (BehaviorOf[i] == Runner)
                return Values.Tensor(Tensors.FromArray(new int[] { (int)age[i], (int)x[i], (int)(Draws.U(s, 0, 201) - 100) }));
            var view = new float[] { (Draws.U(s, 0, 129) - 64) / 8f, (Draws.U(s, 1, 129) - 64) / 8f };
            return Values.Map(new ValueDict { { "view", Values.Tensor(Tensors.FromArray(view)) }, { "tick", Values.Int(t) } });
        }

        Value Info(int i)
        {
            if (BehaviorOf[i] != Runner)
                return null;
            return Values.Map(new ValueDict { { "life", life[i] }, { "age", age[i] }, { "key_hi", (long)(k[i] >> 32) } });
        }

        public void Reset(ResetArgs args, ResetResult result)
        {
            throw new InvalidOperationException("a multi-agent env is reset through ResetAgents");
        }

        public void Step(Value[] actions, StepResult result)
        {
            throw new InvalidOperationException("a multi-agent env is stepped through StepAgents");
        }

        public Value[] Render()
        {
            throw new UnimplementedException("conformance/" + Name + " renders nothing");
        }

        public Value Call(string callName, Value value)
        {
            throw new UnimplementedException("conformance/" + Name + " has no call named '" + callName + "'");
        }

        public void Close()
        {
        }
    }
}
