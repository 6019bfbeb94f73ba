// Engine-independent: no UnityEngine here, so it is unit-tested under plain Mono.
using Rlay.Protocol;

namespace Rlay.Unity
{
    /// <summary>
    /// One sub-environment as the lockstep controller sees it. RlayAgent
    /// implements it; tests implement it with plain objects. Every member is
    /// called on the main thread only.
    /// </summary>
    public interface ISubEnvironment
    {
        /// <summary>Its observation space (one element, not a batch).</summary>
        Space ObservationSpace { get; }

        /// <summary>Its action space (one element, not a batch).</summary>
        Space ActionSpace { get; }

        /// <summary>Start a new episode: clear reward and end flags, then reset the world.</summary>
        /// <param name="seed">The seed for this episode, or null for none.</param>
        /// <param name="options">Reset options (a map value), or null.</param>
        void BeginEpisode(ulong? seed, Value options);

        /// <summary>The current observation, element form of <see cref="ObservationSpace"/>.</summary>
        Value Observe();

        /// <summary>Apply an action (element form); called once per fixed step while it acts.</summary>
        /// <param name="action">The action.</param>
        /// <param name="firstOfDecision">True on the first fixed step after a new decision.</param>
        void Act(Value action, bool firstOfDecision);

        /// <summary>An action from local control (keyboard, scripted), element form.</summary>
        Value Heuristic();

        /// <summary>A decision step is complete (counts steps, applies a step limit).</summary>
        void CompleteStep();

        /// <summary>The reward gathered since the last call, then zero.</summary>
        double TakeReward();

        /// <summary>The episode reached a terminal state.</summary>
        bool IsTerminated { get; }

        /// <summary>The episode was cut short (time limit, out of bounds).</summary>
        bool IsTruncated { get; }

        /// <summary>The info gathered since the last call (a map value), or null when empty.</summary>
        Value TakeInfo();

        /// <summary>A frame for <paramref name="mode"/> (e.g. a uint8 [H, W, 3] tensor for "rgb_array"), or null.</summary>
        Value Render(string mode);
    }
}
