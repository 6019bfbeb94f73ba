using Rlay.Protocol;
using Rlay.Unity;
using UnityEngine;

namespace Rlay.Samples.ChaserEvader
{
    /// <summary>
    /// What chasers and evaders share: a position on the arena's square floor, moved by
    /// the agent's own code (not PhysX) one fixed step at a time, so that an episode with
    /// a given seed plays out the same on every machine.
    /// </summary>
    public abstract class ArenaAgent : RlayAgent
    {
        /// <summary>The arena spans [-HalfSize, HalfSize] on x and z.</summary>
        public const float HalfSize = 5f;

        [Tooltip("Units per second at full speed.")]
        public float speed = 2f;

        /// <summary>The arena this agent plays in (set by ChaserEvaderScene).</summary>
        public Arena arena;

        /// <summary>Position on the floor (x, z).</summary>
        public Vector2 Position;

        public override void OnEpisodeBegin(ulong? seed, Value options)
        {
            // A seeded reset reseeds EpisodeRandom first: the same seed, the same start.
            Position = new Vector2(Uniform(-HalfSize, HalfSize), Uniform(-HalfSize, HalfSize));
            Show();
        }

        /// <summary>Move by direction × speed × one fixed step, staying on the floor.</summary>
        protected void Move(float dx, float dz)
        {
            float step = speed * Time.fixedDeltaTime;
            Position = new Vector2(
                Mathf.Clamp(Position.x + dx * step, -HalfSize, HalfSize),
                Mathf.Clamp(Position.y + dz * step, -HalfSize, HalfSize));
            Show();
        }

        protected float Uniform(float low, float high)
        {
            return low + (float)EpisodeRandom.NextDouble() * (high - low);
        }

        protected static float Distance(Vector2 a, Vector2 b)
        {
            float dx = a.x - b.x, dz = a.y - b.y;
            return Mathf.Sqrt(dx * dx + dz * dz);
        }

        void Show()
        {
            transform.localPosition = new Vector3(Position.x, 0.5f, Position.y);
        }
    }
}
