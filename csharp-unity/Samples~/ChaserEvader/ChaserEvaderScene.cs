using Rlay.Unity;
using UnityEngine;

namespace Rlay.Samples.ChaserEvader
{
    /// <summary>
    /// Builds the whole chaser/evader scene at runtime: a floor, <see cref="chasers"/>
    /// chasers (behaviour "chaser") and <see cref="evaders"/> evaders (behaviour "evader",
    /// deciding every second step), a camera, a light and the <see cref="RlayEnvironment"/>.
    /// Add this one component to an empty GameObject in an empty scene and press Play.
    /// Python sees a PettingZoo ParallelEnv with agents chaser_0…, evader_0….
    /// </summary>
    [AddComponentMenu("rlay/Samples/Chaser Evader Scene")]
    public class ChaserEvaderScene : MonoBehaviour
    {
        [Tooltip("Chasers (agents of behaviour \"chaser\").")]
        public int chasers = 1;

        [Tooltip("Evaders (agents of behaviour \"evader\").")]
        public int evaders = 1;

        [Tooltip("Port the scene listens on for rlay.ParallelClientEnv when not launched with -rlay-address.")]
        public int port = 5556;

        [Tooltip("Decision steps after which an agent's episode is truncated.")]
        public int maxEpisodeSteps = 300;

        // CreatePrimitive adds these components; a build with engine code stripping keeps
        // a component type only if some script references it. These fields are that reference.
#pragma warning disable 0169, 0649
        [SerializeField, HideInInspector] MeshFilter keepMeshFilter;
        [SerializeField, HideInInspector] MeshRenderer keepMeshRenderer;
        [SerializeField, HideInInspector] BoxCollider keepBoxCollider;
        [SerializeField, HideInInspector] SphereCollider keepSphereCollider;
#pragma warning restore 0169, 0649

        void Awake()
        {
            chasers = Mathf.Clamp(chasers, 1, 64);
            evaders = Mathf.Clamp(evaders, 1, 64);
            Arena arena = gameObject.AddComponent<Arena>();
            GameObject floor = GameObject.CreatePrimitive(PrimitiveType.Cube);
            floor.name = "Floor";
            floor.transform.SetParent(transform, false);
            floor.transform.localScale = new Vector3(2f * ArenaAgent.HalfSize, 0.1f, 2f * ArenaAgent.HalfSize);
            RemoveCollider(floor);
            for (int i = 0; i < chasers; i++)
                arena.Chasers.Add(Build<ChaserAgent>("Chaser " + i, PrimitiveType.Cube, "chaser", 1, arena, 2f));
            for (int i = 0; i < evaders; i++)
                arena.Evaders.Add(Build<EvaderAgent>("Evader " + i, PrimitiveType.Sphere, "evader", 2, arena, 1.8f));

            var eye = new GameObject("Main Camera");
            eye.transform.position = new Vector3(0f, 12f, -8f);
            eye.transform.LookAt(Vector3.zero);
            eye.AddComponent<Camera>();
            var sun = new GameObject("Light");
            sun.transform.rotation = Quaternion.Euler(50f, -30f, 0f);
            sun.AddComponent<Light>().type = LightType.Directional;

            // Added last; it gathers the agents on its first FixedUpdate, after their Start.
            RlayEnvironment environment = gameObject.AddComponent<RlayEnvironment>();
            environment.EnvId = "UnityChaserEvader-v0";
            environment.Port = port;
        }

        T Build<T>(string label, PrimitiveType shape, string behavior, int interval, Arena arena, float speed) where T : ArenaAgent, new()
        {
            GameObject body = GameObject.CreatePrimitive(shape);
            body.name = label;
            body.transform.SetParent(transform, false);
            RemoveCollider(body);
            T agent = body.AddComponent<T>();
            agent.arena = arena;
            agent.speed = speed;
            agent.BehaviorName = behavior;
            agent.DecisionInterval = interval;
            agent.MaxEpisodeSteps = maxEpisodeSteps;
            return agent;
        }

        static void RemoveCollider(GameObject primitive)
        {
            // The agents move themselves: PhysX plays no part.
            Collider collider = primitive.GetComponent<Collider>();
            if (collider != null)
                Destroy(collider);
        }
    }
}
