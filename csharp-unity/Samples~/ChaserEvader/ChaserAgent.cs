using Rlay;
using Rlay.Protocol;
using Rlay.Unity;
using UnityEngine;

namespace Rlay.Samples.ChaserEvader
{
    /// <summary>
    /// Behaviour "chaser": catch an evader. Observation [x, z, dx, dz] (itself, then the
    /// nearest evader relative to it); action Discrete(5): stay, +x, -x, +z, -z; reward
    /// -0.01 per step, +1 for a catch, which ends its episode (terminated).
    /// </summary>
    public class ChaserAgent : ArenaAgent
    {
        public override Space DescribeObservationSpace()
        {
            return Spaces.Box(-2f * HalfSize, 2f * HalfSize, 4);
        }

        public override Space DescribeActionSpace()
        {
            return Spaces.Discrete(5);
        }

        public override void CollectObservations(ObservationWriter observation)
        {
            EvaderAgent target = arena.NearestEvader(Position);
            Vector2 offset = target == null ? new Vector2(0f, 0f) : new Vector2(target.Position.x - Position.x, target.Position.y - Position.y);
            observation.Add(Position.x).Add(Position.y).Add(offset.x).Add(offset.y);
        }

        public override void OnActionReceived(ActionReader action)
        {
            switch (action.Discrete)
            {
                case 1: Move(1f, 0f); break;
                case 2: Move(-1f, 0f); break;
                case 3: Move(0f, 1f); break;
                case 4: Move(0f, -1f); break;
            }
            AddReward(-0.01f);
            EvaderAgent target = arena.NearestEvader(Position);
            if (target != null && Distance(target.Position, Position) < arena.catchRadius)
            {
                target.Catch();
                AddReward(1f);
                EndEpisode();
            }
        }

        public override void Heuristic(ActionWriter action)
        {
            // Greedy: close the larger gap first.
            EvaderAgent target = arena.NearestEvader(Position);
            if (target == null)
                return;
            float dx = target.Position.x - Position.x, dz = target.Position.y - Position.y;
            if (Mathf.Abs(dx) > Mathf.Abs(dz))
                action.SetDiscrete(dx > 0f ? 1 : 2);
            else
                action.SetDiscrete(dz > 0f ? 3 : 4);
        }
    }
}
