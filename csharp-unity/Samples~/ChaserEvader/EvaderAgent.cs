using Rlay;
using Rlay.Protocol;
using Rlay.Unity;
using UnityEngine;

namespace Rlay.Samples.ChaserEvader
{
    /// <summary>
    /// Behaviour "evader": stay free. Observation [x, z, dx, dz] (itself, then the nearest
    /// chaser relative to it); action Box(-1, 1, (2,)): a direction; it decides every
    /// second step (Decision Interval 2) and keeps going meanwhile; reward +0.01 per step,
    /// -1 when caught, which ends its episode (terminated).
    /// </summary>
    public class EvaderAgent : ArenaAgent
    {
        /// <summary>Caught in this episode (until its next episode begins).</summary>
        public bool IsCaught { get; private set; }

        public override void OnEpisodeBegin(ulong? seed, Value options)
        {
            IsCaught = false;
            base.OnEpisodeBegin(seed, options);
        }

        public override Space DescribeObservationSpace()
        {
            return Spaces.Box(-2f * HalfSize, 2f * HalfSize, 4);
        }

        public override Space DescribeActionSpace()
        {
            return Spaces.Box(-1f, 1f, 2);
        }

        public override void CollectObservations(ObservationWriter observation)
        {
            ChaserAgent chaser = arena.NearestChaser(Position);
            Vector2 offset = chaser == null ? new Vector2(0f, 0f) : new Vector2(chaser.Position.x - Position.x, chaser.Position.y - Position.y);
            observation.Add(Position.x).Add(Position.y).Add(offset.x).Add(offset.y);
        }

        public override void OnActionReceived(ActionReader action)
        {
            if (IsCaught)
                return;
            Move(Mathf.Clamp(action.GetFloat(0), -1f, 1f), Mathf.Clamp(action.GetFloat(1), -1f, 1f));
            AddReward(0.01f);
        }

        /// <summary>A chaser reached this evader.</summary>
        public void Catch()
        {
            if (IsCaught)
                return;
            IsCaught = true;
            AddReward(-1f);
            EndEpisode();
        }

        public override void Heuristic(ActionWriter action)
        {
            float dx = 0f, dz = 0f;
#if ENABLE_LEGACY_INPUT_MANAGER
            // Arrow keys steer the evader; UnityEngine.Input exists only with the old Input Manager.
            dx = Input.GetAxisRaw("Horizontal");
            dz = Input.GetAxisRaw("Vertical");
#endif
            if (dx == 0f && dz == 0f)
            {
                // Run from the nearest chaser.
                ChaserAgent chaser = arena.NearestChaser(Position);
                if (chaser != null)
                {
                    dx = Position.x - chaser.Position.x;
                    dz = Position.y - chaser.Position.y;
                    float length = Mathf.Sqrt(dx * dx + dz * dz);
                    if (length > 0f)
                    {
                        dx /= length;
                        dz /= length;
                    }
                }
            }
            action.Add(dx).Add(dz);
        }
    }
}
