using System.Collections.Generic;
using Rlay.Protocol;

namespace Rlay
{
    /// <summary>
    /// What an env side implements; <see cref="EnvSession"/> calls it for one connection.
    /// </summary>
    /// <remarks>
    /// The session calls <see cref="Open"/> once after a valid hello, then the command methods
    /// in the order the agent sends them, then <see cref="Close"/> exactly once (also when the
    /// connection breaks). All calls come from the session's thread.
    ///
    /// Errors: throw <see cref="InvalidValueException"/> for a bad argument (answered with
    /// ERROR_CODE_INVALID_ARGUMENT), <see cref="UnimplementedException"/> for an unknown call
    /// (ERROR_CODE_UNIMPLEMENTED), <see cref="CommandException"/> for any other code; every
    /// other exception is answered with ERROR_CODE_ENV and its message. In all these cases the
    /// session goes on.
    /// <code>
    /// class Coin : IEnvironment {
    ///     public EnvSpec Open(string renderMode) {
    ///         return EnvSpecs.Create("Coin-v0", Spaces.Box(0f, 1f, 1), Spaces.Discrete(2));
    ///     }
    ///     public void Reset(ResetArgs args, ResetResult result) {
    ///         result.Observations[0] = Values.Tensor(Tensors.FromArray(new float[] { 0f }));
    ///     }
    ///     public void Step(Value[] actions, StepResult result) {
    ///         result.Observations[0] = Values.Tensor(Tensors.FromArray(new float[] { 1f }));
    ///         result.Rewards[0] = actions[0].IntValue;
    ///         result.Terminated[0] = true;
    ///     }
    ///     public Value[] Render() { throw new UnimplementedException("no render"); }
    ///     public Value Call(string name, Value value) { throw new UnimplementedException(name); }
    ///     public void Close() { }
    /// }
    /// </code>
    /// </remarks>
    public interface IEnvironment
    {
        /// <summary>Creates the env for renderMode (null: none) and describes it.</summary>
        EnvSpec Open(string renderMode);

        /// <summary>Resets every sub-env, or those where args.Mask is true.</summary>
        void Reset(ResetArgs args, ResetResult result);

        /// <summary>Steps every sub-env with its action (element forms, already checked
        /// against the action space), applying the declared autoreset mode.</summary>
        void Step(Value[] actions, StepResult result);

        /// <summary>One frame per sub-env (null entries: no frame).</summary>
        Value[] Render();

        /// <summary>A named command; returns its result (null: none).</summary>
        Value Call(string name, Value value);

        void Close();
    }

    /// <summary>The arguments of a reset.</summary>
    public sealed class ResetArgs
    {
        /// <summary>One entry per sub-env (null: no seed for it), or null when no seeds were sent.</summary>
        public ulong?[] Seeds;

        /// <summary>The options (a map_value), or null.</summary>
        public Value Options;

        /// <summary>Which sub-envs to reset, or null for all.</summary>
        public bool[] Mask;

        /// <summary>Whether sub-env i is to be reset.</summary>
        public bool Includes(int i)
        {
            return Mask == null || Mask[i];
        }
    }

    /// <summary>What a reset returns; the session allocates it once and clears it before each reset.</summary>
    public sealed class ResetResult
    {
        public ResetResult(int numEnvs)
        {
            Observations = new Value[numEnvs];
            Infos = new Value[numEnvs];
        }

        /// <summary>Element form of each sub-env's observation.</summary>
        public readonly Value[] Observations;

        /// <summary>Optional: the batch form of all observations; when set, Observations is ignored.</summary>
        public Value ObservationBatch;

        /// <summary>Each sub-env's info (a map_value, see <see cref="Values.Map"/>); null is an empty info.</summary>
        public readonly Value[] Infos;

        public void Clear()
        {
            System.Array.Clear(Observations, 0, Observations.Length);
            System.Array.Clear(Infos, 0, Infos.Length);
            ObservationBatch = null;
        }
    }

    /// <summary>What a step returns; the session allocates it once and clears it before each step.</summary>
    public sealed class StepResult
    {
        public StepResult(int numEnvs)
        {
            Observations = new Value[numEnvs];
            Rewards = new double[numEnvs];
            Terminated = new bool[numEnvs];
            Truncated = new bool[numEnvs];
            Infos = new Value[numEnvs];
        }

        public readonly Value[] Observations;

        /// <summary>Optional: the batch form of all observations; when set, Observations is ignored.</summary>
        public Value ObservationBatch;

        public readonly double[] Rewards;

        public readonly bool[] Terminated;

        public readonly bool[] Truncated;

        public readonly Value[] Infos;

        /// <summary>AUTORESET_MODE_SAME_STEP: the ending observations and infos of sub-envs reset in this step.</summary>
        public readonly List<FinalStep> Finals = new List<FinalStep>();

        public void Clear()
        {
            System.Array.Clear(Observations, 0, Observations.Length);
            System.Array.Clear(Rewards, 0, Rewards.Length);
            System.Array.Clear(Terminated, 0, Terminated.Length);
            System.Array.Clear(Truncated, 0, Truncated.Length);
            System.Array.Clear(Infos, 0, Infos.Length);
            Finals.Clear();
            ObservationBatch = null;
        }

        /// <summary>Adds the ending observation (element form) and info of sub-env index.</summary>
        public void AddFinal(int index, Value observation, Value info)
        {
            Finals.Add(new FinalStep { Index = (uint)index, Observation = observation, Info = info ?? Values.EmptyMap() });
        }
    }

    /// <summary>Thrown by an environment to answer the current command with a given error code.</summary>
    public class CommandException : RlayException
    {
        public CommandException(ErrorCode code, string message) : base(message)
        {
            Code = code;
        }

        public ErrorCode Code { get; private set; }
    }

    /// <summary>Helpers to describe an env.</summary>
    public static class EnvSpecs
    {
        /// <summary>
        /// An EnvSpec with the given spaces: num_envs 1 with AUTORESET_MODE_DISABLED unless told
        /// otherwise, no render modes, and metadata as an empty map.
        /// </summary>
        public static EnvSpec Create(string envId, Space observationSpace, Space actionSpace, int numEnvs = 1,
                                     AutoresetMode autoresetMode = AutoresetMode.Disabled)
        {
            return new EnvSpec
            {
                EnvId = envId,
                ObservationSpace = observationSpace,
                ActionSpace = actionSpace,
                NumEnvs = (uint)numEnvs,
                AutoresetMode = autoresetMode,
                Metadata = Values.EmptyMap(),
            };
        }

        /// <summary>
        /// A multi-agent EnvSpec (protocol 1.1) to fill with <c>Behaviors</c> and <c>Agents</c>:
        /// num_envs 1, AUTORESET_MODE_DISABLED, no single-agent spaces, metadata an empty map.
        /// </summary>
        public static EnvSpec MultiAgent(string envId)
        {
            return new EnvSpec
            {
                EnvId = envId,
                NumEnvs = 1,
                AutoresetMode = AutoresetMode.Disabled,
                Metadata = Values.EmptyMap(),
            };
        }
    }
}
