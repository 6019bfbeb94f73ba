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
            return Nearest(Evaders, from, evader => !evader.IsCaught);
        }

        /// <summary>The chaser nearest to <paramref name="from"/>, or null.</summary>
        public ChaserAgent NearestChaser(Vector2 from)
        {
            return Nearest(Chasers, from, chaser => true);
        }

        static T Nearest<T>(List<T> agents, Vector2 from, System.Func<T, bool> eligible) where T : ArenaAgent
        {
            T best = null;
            float bestDistance = float.MaxValue;
            foreach (T agent in agents)
            {
                float dx = agent.Position.x - from.x, dz = agent.Position.y - from.y;
                float d = dx * dx + dz * dz;
                if (eligible(agent) && d < bestDistance)
                {
                    best = agent;
                    bestDistance = d;
                }
            }
            return best;
        }
    }
}
