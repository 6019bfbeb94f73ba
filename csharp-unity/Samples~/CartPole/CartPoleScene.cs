using Rlay.Unity;
using UnityEngine;

namespace Rlay.Samples.CartPole
{
    /// <summary>
    /// Builds the whole CartPole scene at runtime: <see cref="count"/> cart-poles
    /// side by side (one sub-environment each), a camera, a light and the
    /// <see cref="RlayEnvironment"/>. Add this one component to an empty
    /// GameObject in an empty scene and press Play; no scene asset to author.
    /// </summary>
    [AddComponentMenu("rlay/Samples/CartPole Scene")]
    public class CartPoleScene : MonoBehaviour
    {
        [Tooltip("Cart-poles in the scene: 1 gives a gymnasium.Env (rlay.ClientEnv), more a VectorEnv (rlay.ClientVectorEnv).")]
        public int count = 1;

        [Tooltip("Port the scene listens on for rlay.ClientEnv when not launched with -rlay-address.")]
        public int port = 5555;

        [Tooltip("Give each agent a camera so that render_mode=\"rgb_array\" works (needs a graphics device).")]
        public bool renderable = true;

        // CreatePrimitive adds these components; a build with engine code
        // stripping keeps a component type only if some script references it,
        // else CreatePrimitive fails at runtime. These fields are that reference.
#pragma warning disable 0169, 0649
        [SerializeField, HideInInspector] MeshFilter keepMeshFilter;
        [SerializeField, HideInInspector] MeshRenderer keepMeshRenderer;
        [SerializeField, HideInInspector] BoxCollider keepBoxCollider;
        [SerializeField, HideInInspector] CapsuleCollider keepCapsuleCollider;
#pragma warning restore 0169, 0649

        void Awake()
        {
            count = Mathf.Clamp(count, 1, 256);
            for (int i = 0; i < count; i++)
                BuildCartPole(i);
            BuildCamera();
            BuildLight();

            // Added last, so that its Start finds every agent built above.
            RlayEnvironment environment = gameObject.AddComponent<RlayEnvironment>();
            environment.EnvId = "UnityCartPole-v1";
            environment.Port = port;
            environment.DecisionPeriod = 1;
        }

        void BuildCartPole(int index)
        {
            var root = new GameObject("CartPole " + index);
            root.transform.SetParent(transform, false);
            root.transform.localPosition = new Vector3(0f, 0f, index * 2f);

            GameObject track = GameObject.CreatePrimitive(PrimitiveType.Cube);
            track.name = "Track";
            track.transform.SetParent(root.transform, false);
            track.transform.localScale = new Vector3(4.8f, 0.05f, 0.05f);
            RemoveCollider(track);

            GameObject cart = GameObject.CreatePrimitive(PrimitiveType.Cube);
            cart.name = "Cart";
            cart.transform.SetParent(root.transform, false);
            cart.transform.localPosition = new Vector3(0f, 0.15f, 0f);
            cart.transform.localScale = new Vector3(0.5f, 0.3f, 0.3f);
            RemoveCollider(cart);

            // The pole pivots at the top of the cart: an empty pivot carries the capsule.
            var pivot = new GameObject("Pole");
            pivot.transform.SetParent(root.transform, false);
            pivot.transform.localPosition = new Vector3(0f, 0.3f, 0f);
            GameObject stick = GameObject.CreatePrimitive(PrimitiveType.Capsule);
            stick.name = "Stick";
            stick.transform.SetParent(pivot.transform, false);
            stick.transform.localPosition = new Vector3(0f, 0.5f, 0f);
            stick.transform.localScale = new Vector3(0.1f, 0.5f, 0.1f);
            RemoveCollider(stick);

            // The agent moves the cart's root (its x) and turns the pivot (theta).
            var follower = new GameObject("Follower");
            follower.transform.SetParent(root.transform, false);
            cart.transform.SetParent(follower.transform, true);
            pivot.transform.SetParent(follower.transform, true);

            CartPoleAgent agent = root.AddComponent<CartPoleAgent>();
            agent.cart = follower.transform;
            agent.pole = pivot.transform;
            agent.MaxEpisodeSteps = 500;
            if (renderable)
                agent.RenderCamera = BuildAgentCamera(root.transform);
        }

        static Camera BuildAgentCamera(Transform parent)
        {
            var holder = new GameObject("Agent Camera");
            holder.transform.SetParent(parent, false);
            holder.transform.localPosition = new Vector3(0f, 1f, -6f);
            Camera camera = holder.AddComponent<Camera>();
            camera.clearFlags = CameraClearFlags.SolidColor;
            camera.backgroundColor = Color.white;
            // Only rendered on request (env.render()), never to the screen.
            camera.enabled = false;
            return camera;
        }

        void BuildCamera()
        {
            var holder = new GameObject("Main Camera");
            holder.transform.position = new Vector3(0f, 1.5f + count * 0.5f, -6f - count);
            holder.transform.LookAt(new Vector3(0f, 0.5f, count - 1f));
            holder.AddComponent<Camera>();
        }

        static void BuildLight()
        {
            var holder = new GameObject("Light");
            holder.transform.rotation = Quaternion.Euler(50f, -30f, 0f);
            Light light = holder.AddComponent<Light>();
            light.type = LightType.Directional;
        }

        static void RemoveCollider(GameObject primitive)
        {
            // The dynamics are computed by the agent, not PhysX: the primitives only show it.
            Collider collider = primitive.GetComponent<Collider>();
            if (collider != null)
                Destroy(collider);
        }
    }
}
