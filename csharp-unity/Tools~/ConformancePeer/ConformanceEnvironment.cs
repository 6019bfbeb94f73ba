using System;
using Rlay;
using Rlay.Protocol;

namespace Rlay.Conformance
{
    /// <summary>Hosts one conformance environment (num_envs sub-envs in lockstep) for a session.</summary>
    sealed class ConformanceEnvironment : IEnvironment
    {
        public static readonly string[] Names =
        {
            "spaces", "episodes", "infos", "control", "large", "batched-next-step", "batched-same-step", "batched-disabled",
        };

        readonly string name;
        readonly SubEnv[] subs;
        readonly AutoresetMode mode;
        readonly bool[] ended;
        readonly ulong maxEpisodeSteps;

        public ConformanceEnvironment(string name)
        {
            this.name = name;
            switch (name)
            {
                case "spaces": subs = new SubEnv[] { new SpacesEnv() }; break;
                case "episodes": subs = new SubEnv[] { new EpisodesEnv() }; maxEpisodeSteps = 6; break;
                case "infos": subs = new SubEnv[] { new InfosEnv() }; break;
                case "control": subs = new SubEnv[] { new ControlEnv() }; break;
                case "large": subs = new SubEnv[] { new LargeEnv() }; break;
                case "batched-next-step":
                case "batched-same-step":
                case "batched-disabled":
                    subs = new SubEnv[] { new BatchedSub(), new BatchedSub(), new BatchedSub(), new BatchedSub() };
                    maxEpisodeSteps = 4;
                    break;
                default: throw new ArgumentException("unknown environment '" + name + "'");
            }
            mode = name == "batched-next-step" ? AutoresetMode.NextStep
                 : name == "batched-same-step" ? AutoresetMode.SameStep
                 : AutoresetMode.Disabled;
            ended = new bool[subs.Length];
        }

        bool IsControl { get { return name == "control"; } }

        public EnvSpec Open(string renderMode)
        {
            if (renderMode != null && !(IsControl && renderMode == "rgb_array"))
                throw new InvalidValueException("render mode '" + renderMode + "' is not supported by conformance/" + name);
            EnvSpec spec = EnvSpecs.Create("conformance/" + name, subs[0].ObservationSpace, subs[0].ActionSpace, subs.Length, mode);
            spec.MaxEpisodeSteps = maxEpisodeSteps;
            spec.Metadata = Values.Map(new ValueDict { { "suite", "rlay-conformance" }, { "env", name }, { "version", 1 } });
            if (IsControl)
            {
                spec.RenderModes.Add("rgb_array");
                spec.RenderFps = 30;
                spec.RenderMode = renderMode ?? "";
                ((ControlEnv)subs[0]).RenderMode = renderMode;
            }
            return spec;
        }

        public void Reset(ResetArgs args, ResetResult result)
        {
            for (int i = 0; i < subs.Length; i++)
            {
                if (!args.Includes(i))
                {
                    result.Observations[i] = subs[i].Observe();
                    result.Infos[i] = Values.EmptyMap();
                    continue;
                }
                subs[i].Reset(args.Seeds == null ? null : args.Seeds[i]);
                ended[i] = false;
                result.Observations[i] = subs[i].Observe();
                result.Infos[i] = subs[i].ResetInfo();
            }
        }

        public void Step(Value[] actions, StepResult result)
        {
            for (int i = 0; i < subs.Length; i++)
            {
                SubEnv sub = subs[i];
                if (mode == AutoresetMode.NextStep && ended[i])
                {
                    sub.Reset(null);
                    ended[i] = false;
                    result.Observations[i] = sub.Observe();
                    result.Infos[i] = sub.ResetInfo();
                    continue;
                }
                double reward;
                bool terminated, truncated;
                sub.Step(actions[i], out reward, out terminated, out truncated);
                result.Rewards[i] = reward;
                result.Terminated[i] = terminated;
                result.Truncated[i] = truncated;
                bool over = terminated || truncated;
                if (mode == AutoresetMode.SameStep && over)
                {
                    result.AddFinal(i, sub.Observe(), sub.StepInfo());
                    sub.Reset(null);
                    result.Observations[i] = sub.Observe();
                    result.Infos[i] = sub.ResetInfo();
                    continue;
                }
                ended[i] = over;
                result.Observations[i] = sub.Observe();
                result.Infos[i] = sub.StepInfo();
            }
        }

        public Value[] Render()
        {
            Value[] frames = new Value[subs.Length];
            if (IsControl) frames[0] = ((ControlEnv)subs[0]).Render();
            return frames;
        }

        public Value Call(string callName, Value value)
        {
            if (IsControl)
            {
                ControlEnv control = (ControlEnv)subs[0];
                if (callName == "set_gain")
                {
                    if (value == null || value.KindCase != Value.KindOneofCase.IntValue || value.IntValue < 1 || value.IntValue > 100)
                        throw new InvalidOperationException("gain must be an int in 1..100, got " + Values.KindName(value));
                    long previous = control.Gain;
                    control.Gain = value.IntValue;
                    return Values.Int(previous);
                }
                if (callName == "get_state")
                    return Values.Map(new ValueDict { { "t", control.T }, { "x", control.X }, { "gain", control.Gain } });
            }
            throw new UnimplementedException("conformance/" + name + " has no call named '" + callName + "'");
        }

        public void Close()
        {
        }
    }
}
