using System.Collections.Generic;
using UnityEngine;

namespace Rlay.Samples.ChaserEvader
{
    /// <summary>The agents of one arena, so that each can find the others.</summary>
    public class Arena : MonoBehaviour
    {
        [Tooltip("A chaser closer than this to an evader catches it.")]
        public float catchRadius = 0.75f;

        public readonly List<ChaserAgent> Chasers = new List<ChaserAgent>();
        public readonly List<EvaderAgent> Evaders = new List<EvaderAgent>();

        /// <summary>The evader nearest to <paramref name="from"/> still in its episode, or null.</summary>
        public EvaderAgent NearestEvader(Vector2 from)
        {
            EvaderAgent best = null;
            float bestDistance = float.MaxValue;
            foreach (EvaderAgent evader in Evaders)
            {
                float dx = evader.Position.x - from.x, dz = evader.Position.y - from.y;
                float d = dx * dx + dz * dz;
                if (!evader.IsCaught && d < bestDistance)
                {
                    best = evader;
                    bestDistance = d;
                }
            }
            return best;
        }

        /// <summary>The chaser nearest to <paramref name="from"/>, or null.</summary>
        public ChaserAgent NearestChaser(Vector2 from)
        {
            ChaserAgent best = null;
            float bestDistance = float.MaxValue;
            foreach (ChaserAgent chaser in Chasers)
            {
                float dx = chaser.Position.x - from.x, dz = chaser.Position.y - from.y;
                float d = dx * dx + dz * dz;
                if (d < bestDistance)
                {
                    best = chaser;
                    bestDistance = d;
                }
            }
            return best;
        }
    }
}
