using Rlay;
using Rlay.Protocol;
using Rlay.Unity;
using UnityEngine;

namespace Rlay.Samples.CartPole
{
    /// <summary>
    /// The classic cart-pole task (Barto, Sutton and Anderson, 1983) as an
    /// RlayAgent, with the same constants, spaces and ending rules as
    /// Gymnasium's CartPole-v1, so a policy and its hyperparameters carry over.
    /// </summary>
    /// <remarks>
    /// The dynamics are integrated here (explicit Euler, one fixed step of
    /// Time.fixedDeltaTime = 0.02 s per call, as Gymnasium's tau) rather than
    /// by PhysX, so that an episode with a given seed plays out the same on
    /// every machine. <see cref="cart"/> and <see cref="pole"/> only show the
    /// state. Observation: [x, x_dot, theta, theta_dot]; action 0 pushes left,
    /// 1 pushes right; reward 1 per step; terminated when the pole leans more
    /// than 12 degrees or the cart leaves ±2.4; truncated after 500 steps.
    /// </remarks>
    public class CartPoleAgent : RlayAgent
    {
        const float Gravity = 9.8f;
        const float CartMass = 1.0f;
        const float PoleMass = 0.1f;
        const float TotalMass = CartMass + PoleMass;
        const float HalfPoleLength = 0.5f;
        const float PoleMassLength = PoleMass * HalfPoleLength;
        const float ForceMagnitude = 10.0f;
        const float ThetaLimit = 12f * 2f * Mathf.PI / 360f;
        const float XLimit = 2.4f;

        [Tooltip("The cart's visual (moved along its parent's x axis).")]
        public Transform cart;

        [Tooltip("The pole's visual (a child of the cart, rotated about z).")]
        public Transform pole;

        float x;
        float xDot;
        float theta;
        float thetaDot;

        /// <summary>The state [x, x_dot, theta, theta_dot].</summary>
        public float[] State
        {
            get { return new[] { x, xDot, theta, thetaDot }; }
        }

        void Reset()
        {
            // Unity calls this when the component is added in the editor.
            MaxEpisodeSteps = 500;
        }

        void Awake()
        {
            if (MaxEpisodeSteps == 0)
                MaxEpisodeSteps = 500;
        }

        public override Space DescribeObservationSpace()
        {
            float inf = float.PositiveInfinity;
            return Spaces.Box(
                new[] { -2f * XLimit, -inf, -2f * ThetaLimit, -inf },
                new[] { 2f * XLimit, inf, 2f * ThetaLimit, inf });
        }

        public override Space DescribeActionSpace()
        {
            return Spaces.Discrete(2);
        }

        public override void OnEpisodeBegin(ulong? seed, Value options)
        {
            // Gymnasium draws each state variable from U(-0.05, 0.05); the
            // options may narrow or widen that: env.reset(options={"low": -0.1, "high": 0.1}).
            float low = Option(options, "low", -0.05f);
            float high = Option(options, "high", 0.05f);
            x = Uniform(low, high);
            xDot = Uniform(low, high);
            theta = Uniform(low, high);
            thetaDot = Uniform(low, high);
            Show();
        }

        public override void CollectObservations(ObservationWriter observation)
        {
            observation.Add(x).Add(xDot).Add(theta).Add(thetaDot);
        }

        public override void OnActionReceived(ActionReader action)
        {
            float force = action.Discrete == 1 ? ForceMagnitude : -ForceMagnitude;
            float dt = Time.fixedDeltaTime;
            float cos = Mathf.Cos(theta);
            float sin = Mathf.Sin(theta);
            float temp = (force + PoleMassLength * thetaDot * thetaDot * sin) / TotalMass;
            float thetaAcc = (Gravity * sin - cos * temp)
                / (HalfPoleLength * (4f / 3f - PoleMass * cos * cos / TotalMass));
            float xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;
            x += dt * xDot;
            xDot += dt * xAcc;
            theta += dt * thetaDot;
            thetaDot += dt * thetaAcc;
            Show();

            AddReward(1f);
            if (x < -XLimit || x > XLimit || theta < -ThetaLimit || theta > ThetaLimit)
                EndEpisode();
        }

        public override void Heuristic(ActionWriter action)
        {
            // Arrow keys or A/D push the cart. With no key held (or no keyboard
            // API to read), a simple controller balances the pole so the scene plays itself.
            float axis = KeyboardAxis();
            if (axis != 0f)
                action.SetDiscrete(axis > 0f ? 1 : 0);
            else
                action.SetDiscrete(theta + 0.5f * thetaDot + 0.01f * x > 0f ? 1 : 0);
        }

        /// <summary>-1 (left), 0 or 1 (right) from whichever input backend the project has active.</summary>
        static float KeyboardAxis()
        {
#if ENABLE_LEGACY_INPUT_MANAGER
            // UnityEngine.Input throws when Active Input Handling is "Input System Package" only.
            return Input.GetAxisRaw("Horizontal");
#elif ENABLE_INPUT_SYSTEM && RLAY_INPUT_SYSTEM
            // RLAY_INPUT_SYSTEM: the asmdef's version define for com.unity.inputsystem.
            UnityEngine.InputSystem.Keyboard keyboard = UnityEngine.InputSystem.Keyboard.current;
            if (keyboard == null)
                return 0f;
            float axis = 0f;
            if (keyboard.leftArrowKey.isPressed || keyboard.aKey.isPressed)
                axis -= 1f;
            if (keyboard.rightArrowKey.isPressed || keyboard.dKey.isPressed)
                axis += 1f;
            return axis;
#else
            return 0f;
#endif
        }

        void Show()
        {
            if (cart != null)
                cart.localPosition = new Vector3(x, cart.localPosition.y, cart.localPosition.z);
            if (pole != null)
                pole.localRotation = Quaternion.Euler(0f, 0f, -theta * Mathf.Rad2Deg);
        }

        float Uniform(float low, float high)
        {
            return low + (float)EpisodeRandom.NextDouble() * (high - low);
        }

        static float Option(Value options, string key, float fallback)
        {
            Value value = Values.Get(options, key);
            if (value == null)
                return fallback;
            if (value.KindCase == Value.KindOneofCase.FloatValue)
                return (float)value.FloatValue;
            if (value.KindCase == Value.KindOneofCase.IntValue)
                return value.IntValue;
            throw new InvalidValueException("options['" + key + "']: expected a number, got " + Values.KindName(value));
        }
    }
}
