// COMPILE-CHECK AND TEST AID ONLY — NOT SHIPPED, NOT UNITY.
//
// A stand-in for the UnityEngine / UnityEditor surface that the glue in
// Runtime/Unity, Editor and Samples~ uses, so that check_glue.py can compile
// that code with mcs and run it on a machine without Unity. Unity ignores
// folders whose name ends in "~", so this never reaches a Unity project.
// Signatures follow Unity's public scripting API (2021.3 and later). Only
// members the glue uses are here: if the glue compiles against this file but
// uses a member that Unity lacks, this file is wrong — keep it to long-stable API.
//
// Behaviour: besides holding values, the stand-ins (this file, StubPlayerLoop.cs and
// UnityEditorStubs.cs) reproduce the documented
// Unity behaviours that glue code can get wrong (each was once a bug here):
// - the player loop (StubPlayerLoop.Frame): Start before a behaviour's first
//   FixedUpdate/Update; each event function called in script execution order
//   ([DefaultExecutionOrder]) across all behaviours, so an early component's
//   Start runs before a later one's; fixed steps per frame from scaled time, so
//   Time.timeScale == 0 calls no FixedUpdate; Time.captureDeltaTime fixes the
//   game time of a frame; Time.maximumDeltaTime caps it;
// - Physics / Physics2D simulate after FixedUpdate (or Update) only in their
//   automatic simulation modes;
// - UnityEngine.Input throws InvalidOperationException unless
//   ENABLE_LEGACY_INPUT_MANAGER is defined (Active Input Handling = Input System);
// - built-in modules: Physics (3D) exists only with STUB_MODULE_PHYSICS, Physics2D
//   only with STUB_MODULE_PHYSICS2D (check_glue.py defines them from the
//   package's declared com.unity.modules.* dependencies);
// - a domain reload (StubPlayerLoop.ReloadScripts, what recompiling scripts in
//   Play mode does): OnDisable, then every field Unity does not serialize and
//   every static is lost, then OnEnable; Awake and Start are not called again;
// - code stripping (StubPlayerLoop.StripEngineCode): CreatePrimitive fails when no
//   script declares a field of each component type the primitive needs;
// - FindObjectsSortMode is obsolete from Unity 6000.4 (UNITY_6000_4_OR_NEWER).
using System;
using System.Collections.Generic;
using System.Reflection;

namespace UnityEngine
{
    public class Object
    {
        static int nextId;
        readonly int id = ++nextId;
        internal bool destroyed;
        public string name { get; set; }
        public int GetInstanceID() { return id; }

        public static void Destroy(Object obj)
        {
            var component = obj as Component;
            if (component != null && component.owner != null)
            {
                component.owner.Components.Remove(component);
                component.destroyed = true;
                return;
            }
            var go = obj as GameObject;
            if (go != null)
            {
                foreach (Component c in go.Components.ToArray())
                {
                    var behaviour = c as MonoBehaviour;
                    if (behaviour != null && behaviour.enabled)
                        StubPlayerLoop.Invoke(behaviour, "OnDisable");
                    if (behaviour != null)
                        StubPlayerLoop.Invoke(behaviour, "OnDestroy");
                    c.destroyed = true;
                }
                go.destroyed = true;
                GameObject.All.Remove(go);
            }
            if (obj != null)
                obj.destroyed = true;
        }

        public static void DontDestroyOnLoad(Object target) { }
        public static T FindObjectOfType<T>() where T : Object { var all = FindAll<T>(); return all.Length > 0 ? all[0] : null; }
        public static T[] FindObjectsOfType<T>() where T : Object { return FindAll<T>(); }
        public static T FindFirstObjectByType<T>() where T : Object { return FindObjectOfType<T>(); }
#if UNITY_6000_4_OR_NEWER
        [Obsolete("FindObjectsByType with FindObjectsSortMode parameter has been deprecated. Use FindObjectsByType<T>() instead.")]
#endif
        public static T[] FindObjectsByType<T>(FindObjectsSortMode sortMode) where T : Object { return FindAll<T>(); }
#if UNITY_6000_4_OR_NEWER
        public static T[] FindObjectsByType<T>() where T : Object { return FindAll<T>(); }
#endif

        static T[] FindAll<T>() where T : Object
        {
            var found = new List<T>();
            foreach (GameObject go in GameObject.All)
                foreach (Component c in go.Components)
                    if (c is T) found.Add((T)(object)c);
            return found.ToArray();
        }

        public static implicit operator bool(Object obj) { return !ReferenceEquals(obj, null) && !obj.destroyed; }
    }

#if UNITY_6000_4_OR_NEWER
    [Obsolete("FindObjectsSortMode has been deprecated. Use the FindObjectsByType overloads that do not take a FindObjectsSortMode parameter.")]
#endif
    public enum FindObjectsSortMode { None = 0, InstanceID = 1 }

    public class Component : Object
    {
        internal GameObject owner;
        public GameObject gameObject { get { return owner; } }
        public Transform transform { get { return owner.transform; } }
        public T GetComponent<T>() { return owner.GetComponent<T>(); }
        public T GetComponentInChildren<T>() { return owner.GetComponent<T>(); }
    }

    public class Behaviour : Component
    {
        bool isEnabled;
        internal bool awoken;
        internal bool started;

        public bool enabled
        {
            get { return isEnabled; }
            set
            {
                if (isEnabled == value)
                    return;
                isEnabled = value;
                // As in Unity: OnEnable / OnDisable run at once, once Awake has run.
                if (awoken && this is MonoBehaviour)
                    StubPlayerLoop.Invoke(this, value ? "OnEnable" : "OnDisable");
            }
        }

        internal void EnableSilently() { isEnabled = true; }

        public bool isActiveAndEnabled { get { return isEnabled; } }
    }

    public class MonoBehaviour : Behaviour
    {
        public static void print(object message) { Debug.Log(message); }
    }

    public sealed class GameObject : Object
    {
        internal static readonly List<GameObject> All = new List<GameObject>();
        internal readonly List<Component> Components = new List<Component>();
        public GameObject() : this("GameObject") { }
        public GameObject(string name)
        {
            this.name = name;
            All.Add(this);
            scene = SceneManagement.SceneManager.GetActiveScene();
            transform = new Transform();
            transform.owner = this;
            Components.Add(transform);
            scene.Roots.Add(transform);
        }
        public Transform transform { get; private set; }
        public SceneManagement.Scene scene { get; internal set; }
        public bool activeSelf { get; private set; }
        public void SetActive(bool value) { activeSelf = value; }
        public T AddComponent<T>() where T : Component, new()
        {
            var c = new T();
            c.owner = this;
            c.name = name;
            Components.Add(c);
            var b = c as Behaviour;
            if (b != null)
            {
                b.EnableSilently();
                b.awoken = true;
            }
            // As in Unity, Awake and (when still enabled) OnEnable run inside AddComponent.
            if (c is MonoBehaviour)
            {
                StubPlayerLoop.Invoke(c, "Awake");
                if (b.enabled)
                    StubPlayerLoop.Invoke(c, "OnEnable");
            }
            return c;
        }
        public T GetComponent<T>()
        {
            foreach (Component c in Components) if (c is T) return (T)(object)c;
            return default(T);
        }

        public static GameObject CreatePrimitive(PrimitiveType type)
        {
            StubPlayerLoop.CheckNotStripped(typeof(MeshFilter), typeof(MeshRenderer));
#if STUB_MODULE_PHYSICS
            Type collider = type == PrimitiveType.Sphere ? typeof(SphereCollider)
                : type == PrimitiveType.Capsule ? typeof(CapsuleCollider)
                : type == PrimitiveType.Cube ? typeof(BoxCollider) : typeof(MeshCollider);
            StubPlayerLoop.CheckNotStripped(collider);
#endif
            var go = new GameObject(type.ToString());
            go.AddComponent<MeshFilter>();
            go.AddComponent<MeshRenderer>();
#if STUB_MODULE_PHYSICS
            if (collider == typeof(SphereCollider)) go.AddComponent<SphereCollider>();
            else if (collider == typeof(CapsuleCollider)) go.AddComponent<CapsuleCollider>();
            else if (collider == typeof(BoxCollider)) go.AddComponent<BoxCollider>();
            else go.AddComponent<MeshCollider>();
#endif
            return go;
        }
    }

    public enum PrimitiveType { Sphere = 0, Capsule = 1, Cylinder = 2, Cube = 3, Plane = 4, Quad = 5 }

    public class Transform : Component
    {
        Transform parentTransform;
        internal readonly List<Transform> Children = new List<Transform>();
        public Vector3 position { get; set; }
        public Vector3 localPosition { get; set; }
        public Quaternion rotation { get; set; }
        public Quaternion localRotation { get; set; }
        public Vector3 localScale { get; set; }
        public Vector3 eulerAngles { get; set; }
        public Transform parent { get { return parentTransform; } set { SetParent(value); } }
        public void SetParent(Transform p, bool worldPositionStays) { SetParent(p); }
        public void SetParent(Transform p)
        {
            if (parentTransform != null) parentTransform.Children.Remove(this);
            else gameObject.scene.Roots.Remove(this);
            parentTransform = p;
            if (p != null) p.Children.Add(this);
            else gameObject.scene.Roots.Add(this);
        }
        public int GetSiblingIndex()
        {
            return parentTransform != null ? parentTransform.Children.IndexOf(this) : gameObject.scene.Roots.IndexOf(this);
        }
        public void LookAt(Vector3 worldPosition) { }
    }

    public struct Vector2
    {
        public float x, y;
        public Vector2(float x, float y) { this.x = x; this.y = y; }
    }

    public struct Vector3
    {
        public float x, y, z;
        public Vector3(float x, float y, float z) { this.x = x; this.y = y; this.z = z; }
        public static Vector3 zero { get { return new Vector3(0, 0, 0); } }
        public static Vector3 one { get { return new Vector3(1, 1, 1); } }
        public static Vector3 up { get { return new Vector3(0, 1, 0); } }
        public static Vector3 right { get { return new Vector3(1, 0, 0); } }
        public static Vector3 forward { get { return new Vector3(0, 0, 1); } }
        public static Vector3 operator +(Vector3 a, Vector3 b) { return new Vector3(a.x + b.x, a.y + b.y, a.z + b.z); }
        public static Vector3 operator -(Vector3 a, Vector3 b) { return new Vector3(a.x - b.x, a.y - b.y, a.z - b.z); }
        public static Vector3 operator *(Vector3 a, float d) { return new Vector3(a.x * d, a.y * d, a.z * d); }
        public static Vector3 operator *(float d, Vector3 a) { return a * d; }
    }

    public struct Vector4
    {
        public float x, y, z, w;
    }

    public struct Quaternion
    {
        public float x, y, z, w;
        public static Quaternion identity { get { return new Quaternion { w = 1 }; } }
        public static Quaternion Euler(float x, float y, float z) { return identity; }
        public static Quaternion AngleAxis(float angle, Vector3 axis) { return identity; }
    }

    public struct Color
    {
        public float r, g, b, a;
        public Color(float r, float g, float b) { this.r = r; this.g = g; this.b = b; a = 1; }
        public Color(float r, float g, float b, float a) { this.r = r; this.g = g; this.b = b; this.a = a; }
        public static Color white { get { return new Color(1, 1, 1); } }
        public static Color black { get { return new Color(0, 0, 0); } }
    }

    public struct Rect
    {
        public float x, y, width, height;
        public Rect(float x, float y, float width, float height) { this.x = x; this.y = y; this.width = width; this.height = height; }
        public override string ToString() { return "(x:" + x + ", y:" + y + ", width:" + width + ", height:" + height + ")"; }
    }

    public static class Mathf
    {
        public const float PI = (float)Math.PI;
        public static float Abs(float f) { return Math.Abs(f); }
        public static float Clamp(float value, float min, float max) { return Math.Max(min, Math.Min(max, value)); }
        public static int Clamp(int value, int min, int max) { return Math.Max(min, Math.Min(max, value)); }
        public static float Sin(float f) { return (float)Math.Sin(f); }
        public static float Cos(float f) { return (float)Math.Cos(f); }
        public static float Sqrt(float f) { return (float)Math.Sqrt(f); }
        public static float Max(float a, float b) { return Math.Max(a, b); }
        public static float Min(float a, float b) { return Math.Min(a, b); }
        public const float Rad2Deg = (float)(180.0 / Math.PI);
    }

    public static class Time
    {
        public static float timeScale = 1f;
        public static float fixedDeltaTime = 0.02f;
        public static float maximumDeltaTime = 0.3333333f;
        /// <summary>Non-zero: every frame advances the game clock by exactly this (times timeScale).</summary>
        public static float captureDeltaTime;
        public static float deltaTime { get { return (float)StubPlayerLoop.LastDeltaTime; } }
        public static float time { get { return (float)StubPlayerLoop.GameTime; } }
        public static float unscaledTime { get { return 0f; } }
        public static int frameCount { get { return StubPlayerLoop.FrameCount; } }
    }

#if STUB_MODULE_PHYSICS
    public enum SimulationMode { FixedUpdate = 0, Update = 1, Script = 2 }

    public static class Physics
    {
        public static bool autoSimulation = true;
        public static SimulationMode simulationMode = SimulationMode.FixedUpdate;
        public static bool autoSyncTransforms;
        /// <summary>Stub only: steps simulated, by the player loop or by Simulate.</summary>
        public static int StubSteps;
        public static void Simulate(float step) { StubSteps++; }
        public static void SyncTransforms() { }
        internal static bool Automatic(SimulationMode when) { return autoSimulation && simulationMode == when; }
    }

    public class Collider : Component { }
    public class BoxCollider : Collider { }
    public class SphereCollider : Collider { }
    public class CapsuleCollider : Collider { }
    public class MeshCollider : Collider { }
#endif

#if STUB_MODULE_PHYSICS2D
    public enum SimulationMode2D { FixedUpdate = 0, Update = 1, Script = 2 }

    public static class Physics2D
    {
        public static SimulationMode2D simulationMode = SimulationMode2D.FixedUpdate;
        /// <summary>Stub only: steps simulated, by the player loop or by Simulate.</summary>
        public static int StubSteps;
        public static bool Simulate(float step) { StubSteps++; return true; }
    }
#endif

    public enum RuntimePlatform { OSXEditor = 0, OSXPlayer = 1, WindowsPlayer = 2, WindowsEditor = 7, LinuxPlayer = 13, LinuxEditor = 16, WebGLPlayer = 17 }

    public static class Application
    {
        public static bool isBatchMode;
        public static bool isEditor;
        public static bool isPlaying = true;
        public static bool runInBackground;
        public static int targetFrameRate = -1;
        public static string productName = "Game";
        public static string version = "0.0.0";
        public static string unityVersion = "2021.3.0f1";
        public static RuntimePlatform platform = RuntimePlatform.LinuxPlayer;
        // Stub only: what the smoke host's fake player loop checks to stop.
        public static int? StubQuitCode;
        public static void Quit() { StubQuitCode = 0; }
        public static void Quit(int exitCode) { StubQuitCode = exitCode; }
    }

    public static class SystemInfo
    {
        public static Rendering.GraphicsDeviceType graphicsDeviceType = Rendering.GraphicsDeviceType.Null;
    }

    public static class Debug
    {
        static readonly object gate = new object();
        static Action<string> sink = Console.Error.WriteLine;

        /// <summary>Stub only: where the Console lines go (any thread may log, as in Unity).</summary>
        public static Action<string> Sink
        {
            get { lock (gate) return sink; }
            set { lock (gate) sink = value; }
        }

        static void Write(string line) { Action<string> s; lock (gate) s = sink; s(line); }
        public static void Log(object message) { Write("[log] " + message); }
        public static void Log(object message, Object context) { Log(message); }
        public static void LogWarning(object message) { Write("[warning] " + message); }
        public static void LogWarning(object message, Object context) { LogWarning(message); }
        public static void LogError(object message) { Write("[error] " + message); }
        public static void LogError(object message, Object context) { LogError(message); }
        public static void LogException(Exception exception) { Write("[exception] " + exception); }
        public static void LogException(Exception exception, Object context) { LogException(exception); }
    }

    public enum KeyCode { None = 0, Space = 32, A = 97, D = 100, LeftArrow = 276, RightArrow = 275 }

    /// <summary>The old Input Manager: throws when the project's Active Input Handling is the Input System only.</summary>
    public static class Input
    {
        static void Check()
        {
#if !ENABLE_LEGACY_INPUT_MANAGER
            throw new InvalidOperationException("You are trying to read Input using the UnityEngine.Input class, but you have switched active Input handling to Input System package in Player Settings.");
#endif
        }

        public static float GetAxis(string axisName) { Check(); return 0f; }
        public static float GetAxisRaw(string axisName) { Check(); return 0f; }
        public static bool GetKey(KeyCode key) { Check(); return false; }
        public static bool GetKeyDown(KeyCode key) { Check(); return false; }
    }

    public class Renderer : Component
    {
        public Material material { get; set; }
        public Material sharedMaterial { get; set; }
    }

    public class MeshRenderer : Renderer { }

    public class MeshFilter : Component { }

    public class Material : Object
    {
        public Color color { get; set; }
    }

    public enum CameraClearFlags { Skybox = 1, Color = 2, SolidColor = 2, Depth = 3, Nothing = 4 }

    public class Camera : Behaviour
    {
        public static Camera main { get; set; }
        public RenderTexture targetTexture { get; set; }
        public Color backgroundColor { get; set; }
        public CameraClearFlags clearFlags { get; set; }
        public bool orthographic { get; set; }
        public float orthographicSize { get; set; }
        public float fieldOfView { get; set; }
        /// <summary>The normalized viewport; a render fills only this part of the target.</summary>
        public Rect rect = new Rect(0, 0, 1, 1);
        /// <summary>Stub only: the viewport of the last Render.</summary>
        public Rect StubLastRenderRect;

        /// <summary>
        /// Stub: fills the viewport part of the target with a pattern — pixel (x, y),
        /// y counted from the bottom as in Unity, is (x, y, 7) — and the rest with 0.
        /// </summary>
        public void Render()
        {
            if (SystemInfo.graphicsDeviceType == Rendering.GraphicsDeviceType.Null)
                return; // no device: nothing is drawn
            StubLastRenderRect = rect;
            RenderTexture target = targetTexture;
            if (target == null)
                return;
            int x0 = (int)(rect.x * target.width), y0 = (int)(rect.y * target.height);
            int x1 = x0 + (int)(rect.width * target.width), y1 = y0 + (int)(rect.height * target.height);
            Array.Clear(target.Pixels, 0, target.Pixels.Length);
            for (int y = y0; y < Math.Min(y1, target.height); y++)
                for (int x = x0; x < Math.Min(x1, target.width); x++)
                {
                    int at = (y * target.width + x) * 3;
                    target.Pixels[at] = (byte)x;
                    target.Pixels[at + 1] = (byte)y;
                    target.Pixels[at + 2] = 7;
                }
        }
    }

    public enum LightType { Spot = 0, Directional = 1, Point = 2 }

    public class Light : Behaviour
    {
        public LightType type { get; set; }
        public float intensity { get; set; }
    }

    public class Texture : Object
    {
        public int width { get; protected set; }
        public int height { get; protected set; }
    }

    public class RenderTexture : Texture
    {
        internal readonly byte[] Pixels;
        public RenderTexture(int width, int height, int depth) { this.width = width; this.height = height; Pixels = new byte[width * height * 3]; }
        public static RenderTexture active { get; set; }
        public void Release() { }
    }

    public enum TextureFormat { RGB24 = 3, RGBA32 = 4 }

    public class Texture2D : Texture
    {
        readonly byte[] raw;
        /// <summary>Stub only: managed copies made by GetRawTextureData() (the byte[] overload copies the whole texture).</summary>
        public static int StubManagedCopies;
        public Texture2D(int width, int height, TextureFormat format, bool mipChain)
        {
            if (format != TextureFormat.RGB24)
                throw new NotSupportedException("stub: RGB24 only");
            this.width = width;
            this.height = height;
            raw = new byte[width * height * 3];
        }
        public void ReadPixels(Rect source, int destX, int destY)
        {
            RenderTexture from = RenderTexture.active;
            if (from == null)
                throw new InvalidOperationException("ReadPixels without an active RenderTexture");
            Buffer.BlockCopy(from.Pixels, 0, raw, 0, Math.Min(raw.Length, from.Pixels.Length));
        }
        public void Apply() { }
        public byte[] GetRawTextureData() { StubManagedCopies++; return (byte[])raw.Clone(); }
        public Unity.Collections.NativeArray<T> GetRawTextureData<T>() where T : struct
        {
            if (typeof(T) != typeof(byte))
                throw new NotSupportedException("stub: byte only");
            return new Unity.Collections.NativeArray<T>((T[])(object)raw);
        }
    }

    [AttributeUsage(AttributeTargets.Field)]
    public sealed class SerializeField : Attribute { }

    [AttributeUsage(AttributeTargets.Field)]
    public sealed class HideInInspector : Attribute { }

    [AttributeUsage(AttributeTargets.Field, AllowMultiple = true)]
    public sealed class HeaderAttribute : Attribute { public HeaderAttribute(string header) { } }

    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
    public sealed class TooltipAttribute : Attribute { public TooltipAttribute(string tooltip) { } }

    [AttributeUsage(AttributeTargets.Field)]
    public sealed class RangeAttribute : Attribute { public RangeAttribute(float min, float max) { } }

    [AttributeUsage(AttributeTargets.Field)]
    public sealed class MinAttribute : Attribute { public MinAttribute(float min) { } }

    [AttributeUsage(AttributeTargets.Field)]
    public sealed class TextAreaAttribute : Attribute { public TextAreaAttribute(int minLines, int maxLines) { } }

    [AttributeUsage(AttributeTargets.Class)]
    public sealed class DisallowMultipleComponent : Attribute { }

    [AttributeUsage(AttributeTargets.Class)]
    public sealed class AddComponentMenu : Attribute { public AddComponentMenu(string menuName) { } }

    [AttributeUsage(AttributeTargets.Class)]
    public sealed class DefaultExecutionOrder : Attribute
    {
        public DefaultExecutionOrder(int order) { this.order = order; }
        public int order { get; private set; }
    }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class RequireComponent : Attribute { public RequireComponent(Type requiredComponent) { } }

    public enum RuntimeInitializeLoadType { AfterSceneLoad = 0, BeforeSceneLoad = 1 }

    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RuntimeInitializeOnLoadMethodAttribute : Attribute
    {
        public RuntimeInitializeOnLoadMethodAttribute() { }
        public RuntimeInitializeOnLoadMethodAttribute(RuntimeInitializeLoadType loadType) { }
    }
}

namespace UnityEngine.SceneManagement
{
    public struct Scene
    {
        internal StubScene Data;
        internal List<Transform> Roots { get { return Data.Roots; } }
        public string name { get { return Data.Name; } }
        public int handle { get { return Data.Handle; } }
        public int buildIndex { get { return Data.Handle - 1; } }
        public bool isLoaded { get { return Data != null; } }
        public static bool operator ==(Scene a, Scene b) { return a.Data == b.Data; }
        public static bool operator !=(Scene a, Scene b) { return a.Data != b.Data; }
        public override bool Equals(object other) { return other is Scene && ((Scene)other).Data == Data; }
        public override int GetHashCode() { return Data == null ? 0 : Data.Handle; }
    }

    internal sealed class StubScene
    {
        public string Name;
        public int Handle;
        public readonly List<Transform> Roots = new List<Transform>();
    }

    public static class SceneManager
    {
        static readonly List<StubScene> loaded = new List<StubScene> { new StubScene { Name = "Main", Handle = 1 } };
        static StubScene active = loaded[0];

        public static int sceneCount { get { return loaded.Count; } }
        public static Scene GetSceneAt(int index) { return new Scene { Data = loaded[index] }; }
        public static Scene GetActiveScene() { return new Scene { Data = active }; }
        public static bool SetActiveScene(Scene scene) { active = scene.Data; return true; }

        /// <summary>Stub only: load an empty scene additively (it comes after the loaded ones).</summary>
        public static Scene StubLoadAdditive(string name)
        {
            var scene = new StubScene { Name = name, Handle = loaded.Count + 1 };
            loaded.Add(scene);
            return new Scene { Data = scene };
        }
    }
}

namespace Unity.Collections
{
    /// <summary>A view of native memory (stub: of a managed array, without copying).</summary>
    public struct NativeArray<T> where T : struct
    {
        readonly T[] items;
        internal NativeArray(T[] items) { this.items = items; }
        public int Length { get { return items.Length; } }
        public T this[int index] { get { return items[index]; } set { items[index] = value; } }
        public static void Copy(NativeArray<T> src, int srcIndex, T[] dst, int dstIndex, int length)
        {
            Array.Copy(src.items, srcIndex, dst, dstIndex, length);
        }
        public T[] ToArray() { return (T[])items.Clone(); }
    }
}

namespace UnityEngine.InputSystem
{
    /// <summary>The Input System package's keyboard (stub: no key is ever pressed).</summary>
    public class Keyboard
    {
        public static Keyboard current { get; set; }
        public Controls.KeyControl leftArrowKey = new Controls.KeyControl();
        public Controls.KeyControl rightArrowKey = new Controls.KeyControl();
        public Controls.KeyControl aKey = new Controls.KeyControl();
        public Controls.KeyControl dKey = new Controls.KeyControl();
    }
}

namespace UnityEngine.InputSystem.Controls
{
    public class KeyControl
    {
        public bool isPressed { get; set; }
    }
}

namespace UnityEngine.Rendering
{
    public enum GraphicsDeviceType { Direct3D11 = 2, Null = 4, OpenGLCore = 17, Metal = 16, Vulkan = 21 }
}
