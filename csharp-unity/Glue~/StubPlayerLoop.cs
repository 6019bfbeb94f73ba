// TEST AID ONLY — NOT SHIPPED, NOT UNITY.
//
// The stand-ins' player loop (see UnityEngineStubs.cs): runs frames as Unity does
// (Start, fixed steps from scaled time, Update, LateUpdate, in script execution order),
// reloads the scripting domain as recompiling in Play mode does, and models code
// stripping for CreatePrimitive.
using System;
using System.Collections.Generic;
using System.Reflection;

namespace UnityEngine
{
    /// <summary>
    /// Stub only: Unity's player loop, event functions by reflection. <see cref="Frame"/>
    /// runs one frame as Unity does; <see cref="Invoke"/> and <see cref="Broadcast"/>
    /// send one message.
    /// </summary>
    public static class StubPlayerLoop
    {
        const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

        /// <summary>Real (unscaled) seconds a frame takes when Time.captureDeltaTime is 0.</summary>
        public static double RealFrameSeconds = 0.02;
        public static int FrameCount;
        public static double GameTime;
        public static double FixedTime;
        public static double LastDeltaTime;
        /// <summary>Messages sent by the player loop, in order ("Type.Message"), when not null.</summary>
        public static List<string> Trace;
        /// <summary>When true, CreatePrimitive fails unless a script references the component types it needs.</summary>
        public static bool StripEngineCode;

        /// <summary>Forget every object, scene state and clock (between tests).</summary>
        public static void ResetWorld()
        {
            foreach (GameObject go in GameObject.All.ToArray())
                Object.Destroy(go);
            GameObject.All.Clear();
            FrameCount = 0;
            GameTime = FixedTime = LastDeltaTime = 0;
            RealFrameSeconds = 0.02;
            Trace = null;
            StripEngineCode = false;
            Time.timeScale = 1f;
            Time.fixedDeltaTime = 0.02f;
            Time.captureDeltaTime = 0f;
            Time.maximumDeltaTime = 0.3333333f;
            Application.isEditor = false;
            Application.platform = RuntimePlatform.LinuxPlayer;
            Application.StubQuitCode = null;
            SystemInfo.graphicsDeviceType = Rendering.GraphicsDeviceType.Null;
#if STUB_MODULE_PHYSICS
            Physics.autoSimulation = true;
            Physics.simulationMode = SimulationMode.FixedUpdate;
            Physics.StubSteps = 0;
#endif
#if STUB_MODULE_PHYSICS2D
            Physics2D.simulationMode = SimulationMode2D.FixedUpdate;
            Physics2D.StubSteps = 0;
#endif
            foreach (Transform root in SceneManagement.SceneManager.GetActiveScene().Roots.ToArray())
                SceneManagement.SceneManager.GetActiveScene().Roots.Remove(root);
        }

        /// <summary>
        /// One frame: Start for behaviours that have not started; as many fixed
        /// steps (FixedUpdate, then automatic physics) as the scaled game time
        /// allows; Update (then physics in Update mode); LateUpdate.
        /// </summary>
        public static void Frame()
        {
            Send("Start", b => !b.started, b => b.started = true);
            double delta = Time.captureDeltaTime > 0f ? Time.captureDeltaTime : RealFrameSeconds;
            delta = Math.Min(delta * Time.timeScale, Time.maximumDeltaTime);
            LastDeltaTime = delta;
            GameTime += delta;
            // Unity compares in double precision; a small tolerance keeps equal steps from drifting.
            while (Time.fixedDeltaTime > 0f && FixedTime + Time.fixedDeltaTime <= GameTime + 1e-9)
            {
                FixedTime += Time.fixedDeltaTime;
                Send("FixedUpdate", null, null);
#if STUB_MODULE_PHYSICS
                if (Physics.Automatic(SimulationMode.FixedUpdate)) Physics.StubSteps++;
#endif
#if STUB_MODULE_PHYSICS2D
                if (Physics2D.simulationMode == SimulationMode2D.FixedUpdate) Physics2D.StubSteps++;
#endif
            }
            Send("Update", null, null);
#if STUB_MODULE_PHYSICS
            if (Physics.Automatic(SimulationMode.Update)) Physics.StubSteps++;
#endif
#if STUB_MODULE_PHYSICS2D
            if (Physics2D.simulationMode == SimulationMode2D.Update) Physics2D.StubSteps++;
#endif
            Send("LateUpdate", null, null);
            FrameCount++;
        }

        /// <summary>
        /// What recompiling scripts in Play mode does: OnDisable on every enabled
        /// behaviour, the scripting domain is rebuilt — fields Unity does not
        /// serialize and all static fields of script types are lost, threads
        /// it started keep no reference — then OnEnable. Awake and Start are not called again.
        /// </summary>
        public static void ReloadScripts()
        {
            List<MonoBehaviour> behaviours = Behaviours(null);
            foreach (MonoBehaviour b in behaviours)
                if (b.enabled) Invoke(b, "OnDisable");
            var seenTypes = new HashSet<Type>();
            foreach (MonoBehaviour b in behaviours)
            {
                // The new domain builds each object afresh (field initializers run), then
                // restores what Unity serializes: everything else has its initial value.
                object fresh = Activator.CreateInstance(b.GetType(), true);
                for (Type type = b.GetType(); type != typeof(MonoBehaviour); type = type.BaseType)
                {
                    foreach (FieldInfo field in type.GetFields(Any | BindingFlags.DeclaredOnly))
                        if (!Serialized(field))
                            field.SetValue(b, field.GetValue(fresh));
                    if (seenTypes.Add(type))
                        foreach (FieldInfo field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                            if (!field.IsLiteral && !field.IsInitOnly)
                                field.SetValue(null, field.FieldType.IsValueType ? Activator.CreateInstance(field.FieldType) : null);
                }
            }
            foreach (MonoBehaviour b in behaviours)
                if (b.enabled) Invoke(b, "OnEnable");
        }

        static bool Serialized(FieldInfo field)
        {
            if (field.IsNotSerialized || field.IsInitOnly)
                return false;
            if (!field.IsPublic && field.GetCustomAttributes(typeof(SerializeField), false).Length == 0)
                return false;
            return SerializableType(field.FieldType);
        }

        static bool SerializableType(Type type)
        {
            if (type.IsPrimitive || type.IsEnum || type == typeof(string) || typeof(Object).IsAssignableFrom(type))
                return true;
            if (type.IsArray)
                return SerializableType(type.GetElementType());
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
                return SerializableType(type.GetGenericArguments()[0]);
            if (type.Namespace == "UnityEngine" && type.IsValueType)
                return true; // Vector3, Color, Rect...
            return type.IsSerializable && !typeof(Delegate).IsAssignableFrom(type) && !type.IsInterface;
        }

        internal static void CheckNotStripped(params Type[] needed)
        {
            if (!StripEngineCode)
                return;
            foreach (Type type in needed)
            {
                bool referenced = false;
                foreach (Assembly assembly in AppDomain.CurrentDomain.GetAssemblies())
                {
                    Type[] types;
                    try { types = assembly.GetTypes(); }
                    catch (ReflectionTypeLoadException) { continue; }
                    foreach (Type script in types)
                    {
                        if (!typeof(MonoBehaviour).IsAssignableFrom(script) || script.Namespace == "UnityEngine")
                            continue;
                        foreach (FieldInfo field in script.GetFields(Any | BindingFlags.Static | BindingFlags.DeclaredOnly))
                            if (field.FieldType == type)
                                referenced = true;
                    }
                }
                if (!referenced)
                    throw new InvalidOperationException("CreatePrimitive: " + type.Name + " was stripped from the build (no script references it)");
            }
        }

        static List<MonoBehaviour> Behaviours(Func<MonoBehaviour, bool> filter)
        {
            var found = new List<MonoBehaviour>();
            foreach (GameObject go in GameObject.All)
                foreach (Component c in go.Components)
                {
                    var b = c as MonoBehaviour;
                    if (b != null && (filter == null || filter(b)))
                        found.Add(b);
                }
            // Script execution order: by [DefaultExecutionOrder], then creation order (a stable sort).
            var indexed = new List<KeyValuePair<int, MonoBehaviour>>();
            for (int i = 0; i < found.Count; i++)
                indexed.Add(new KeyValuePair<int, MonoBehaviour>(i, found[i]));
            indexed.Sort((a, b) =>
            {
                int byOrder = Order(a.Value.GetType()).CompareTo(Order(b.Value.GetType()));
                return byOrder != 0 ? byOrder : a.Key.CompareTo(b.Key);
            });
            return indexed.ConvertAll(pair => pair.Value);
        }

        static int Order(Type type)
        {
            var attributes = type.GetCustomAttributes(typeof(DefaultExecutionOrder), true);
            return attributes.Length == 0 ? 0 : ((DefaultExecutionOrder)attributes[0]).order;
        }

        static void Send(string message, Func<MonoBehaviour, bool> filter, Action<MonoBehaviour> before)
        {
            foreach (MonoBehaviour b in Behaviours(filter))
            {
                // A behaviour disabled or destroyed by an earlier one this frame gets nothing.
                if (!b.enabled || b.destroyed)
                    continue;
                if (message != "Start" && !b.started)
                    continue; // enabled during this frame: starts next frame
                if (before != null)
                    before(b);
                Invoke(b, message);
            }
        }

        public static void Invoke(object target, string message)
        {
            for (Type type = target.GetType(); type != null && type != typeof(MonoBehaviour); type = type.BaseType)
            {
                var method = type.GetMethod(message, Any | BindingFlags.DeclaredOnly, null, Type.EmptyTypes, null);
                if (method != null)
                {
                    if (Trace != null)
                        Trace.Add(target.GetType().Name + "." + message);
                    try
                    {
                        method.Invoke(target, null);
                    }
                    catch (TargetInvocationException error)
                    {
                        // Unity logs an exception thrown by a message method and goes on.
                        Debug.LogException(error.InnerException);
                    }
                    return;
                }
            }
        }

        /// <summary>Send a message to every enabled MonoBehaviour of every GameObject.</summary>
        public static void Broadcast(string message)
        {
            foreach (GameObject go in GameObject.All.ToArray())
                foreach (Component c in go.Components.ToArray())
                {
                    var behaviour = c as MonoBehaviour;
                    if (behaviour != null && behaviour.enabled)
                        Invoke(behaviour, message);
                }
        }
    }
}
