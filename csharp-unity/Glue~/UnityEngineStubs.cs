// COMPILE-CHECK AID ONLY — NOT SHIPPED, NOT UNITY.
//
// A minimal fake of the UnityEngine / UnityEditor surface that the glue in
// Runtime/Unity, Editor and Samples~ uses, so that check_glue.py can compile
// that code with mcs on a machine without Unity. Unity ignores folders whose
// name ends in "~", so this never reaches a Unity project. Signatures follow
// Unity's public scripting API (2021.3 and later); bodies do the least that
// lets the headless smoke test run (Time and Physics keep their values, a
// GameObject holds its components). Only members the glue uses are here: if
// the glue compiles against this file but uses a member that Unity lacks,
// this file is wrong — keep it to long-stable API.
using System;
using System.Collections.Generic;

namespace UnityEngine
{
    public class Object
    {
        static int nextId;
        readonly int id = ++nextId;
        public string name { get; set; }
        public int GetInstanceID() { return id; }
        public static void Destroy(Object obj) { }
        public static void DontDestroyOnLoad(Object target) { }
        public static T FindObjectOfType<T>() where T : Object { var all = FindObjectsOfType<T>(); return all.Length > 0 ? all[0] : null; }
        public static T[] FindObjectsOfType<T>() where T : Object
        {
            var found = new List<T>();
            foreach (GameObject go in GameObject.All)
                foreach (Component c in go.Components)
                    if (c is T) found.Add((T)(object)c);
            return found.ToArray();
        }
        public static T FindFirstObjectByType<T>() where T : Object { return FindObjectOfType<T>(); }
        public static T[] FindObjectsByType<T>(FindObjectsSortMode sortMode) where T : Object { return FindObjectsOfType<T>(); }
        public static implicit operator bool(Object obj) { return !ReferenceEquals(obj, null); }
    }

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
        public bool enabled { get; set; }
        public bool isActiveAndEnabled { get { return enabled; } }
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
            transform = new Transform();
            transform.owner = this;
            Components.Add(transform);
        }
        public Transform transform { get; private set; }
        public bool activeSelf { get; private set; }
        public void SetActive(bool value) { activeSelf = value; }
        public T AddComponent<T>() where T : Component, new()
        {
            var c = new T();
            c.owner = this;
            c.name = name;
            var b = c as Behaviour;
            if (b != null) b.enabled = true;
            Components.Add(c);
            // As in Unity, Awake runs inside AddComponent.
            StubPlayerLoop.Invoke(c, "Awake");
            return c;
        }
        public T GetComponent<T>()
        {
            foreach (Component c in Components) if (c is T) return (T)(object)c;
            return default(T);
        }
        public static GameObject CreatePrimitive(PrimitiveType type)
        {
            var go = new GameObject(type.ToString());
            go.AddComponent<MeshRenderer>();
            return go;
        }
    }

    public enum PrimitiveType { Sphere = 0, Capsule = 1, Cylinder = 2, Cube = 3, Plane = 4, Quad = 5 }

    public class Transform : Component
    {
        Transform parentTransform;
        public Vector3 position { get; set; }
        public Vector3 localPosition { get; set; }
        public Quaternion rotation { get; set; }
        public Quaternion localRotation { get; set; }
        public Vector3 localScale { get; set; }
        public Vector3 eulerAngles { get; set; }
        public Transform parent { get { return parentTransform; } set { parentTransform = value; } }
        public void SetParent(Transform p, bool worldPositionStays) { parentTransform = p; }
        public void SetParent(Transform p) { parentTransform = p; }
        public int GetSiblingIndex() { return 0; }
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
        public Rect(float x, float y, float width, float height) { }
    }

    public static class Mathf
    {
        public const float PI = (float)Math.PI;
        public static float Abs(float f) { return Math.Abs(f); }
        public static float Clamp(float value, float min, float max) { return Math.Max(min, Math.Min(max, value)); }
        public static int Clamp(int value, int min, int max) { return Math.Max(min, Math.Min(max, value)); }
        public static float Sin(float f) { return (float)Math.Sin(f); }
        public static float Cos(float f) { return (float)Math.Cos(f); }
        public const float Rad2Deg = (float)(180.0 / Math.PI);
    }

    public static class Time
    {
        public static float timeScale = 1f;
        public static float fixedDeltaTime = 0.02f;
        public static float maximumDeltaTime = 0.3333333f;
        public static float deltaTime { get { return fixedDeltaTime; } }
        public static float unscaledTime { get { return 0f; } }
        public static int frameCount { get { return 0; } }
    }

    public enum SimulationMode { FixedUpdate = 0, Update = 1, Script = 2 }

    public static class Physics
    {
        public static bool autoSimulation = true;
        public static SimulationMode simulationMode = SimulationMode.FixedUpdate;
        public static bool autoSyncTransforms;
        public static void Simulate(float step) { }
        public static void SyncTransforms() { }
    }

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
        public static Action<string> Sink = Console.Error.WriteLine;
        public static void Log(object message) { Sink("[log] " + message); }
        public static void Log(object message, Object context) { Log(message); }
        public static void LogWarning(object message) { Sink("[warning] " + message); }
        public static void LogWarning(object message, Object context) { LogWarning(message); }
        public static void LogError(object message) { Sink("[error] " + message); }
        public static void LogError(object message, Object context) { LogError(message); }
        public static void LogException(Exception exception) { Sink("[exception] " + exception); }
        public static void LogException(Exception exception, Object context) { LogException(exception); }
    }

    public enum KeyCode { None = 0, Space = 32, A = 97, D = 100, LeftArrow = 276, RightArrow = 275 }

    public static class Input
    {
        public static float GetAxis(string axisName) { return 0f; }
        public static float GetAxisRaw(string axisName) { return 0f; }
        public static bool GetKey(KeyCode key) { return false; }
        public static bool GetKeyDown(KeyCode key) { return false; }
    }

    public class Renderer : Component
    {
        public Material material { get; set; }
        public Material sharedMaterial { get; set; }
    }

    public class MeshRenderer : Renderer { }

    public class Collider : Component { }

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
        public void Render() { }
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
        public RenderTexture(int width, int height, int depth) { this.width = width; this.height = height; }
        public static RenderTexture active { get; set; }
        public void Release() { }
    }

    public enum TextureFormat { RGB24 = 3, RGBA32 = 4 }

    public class Texture2D : Texture
    {
        readonly byte[] raw;
        public Texture2D(int width, int height, TextureFormat format, bool mipChain)
        {
            this.width = width;
            this.height = height;
            raw = new byte[width * height * (format == TextureFormat.RGB24 ? 3 : 4)];
        }
        public void ReadPixels(Rect source, int destX, int destY) { }
        public void Apply() { }
        public byte[] GetRawTextureData() { return (byte[])raw.Clone(); }
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
    public sealed class DefaultExecutionOrder : Attribute { public DefaultExecutionOrder(int order) { } }

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

namespace UnityEngine
{
    /// <summary>Stub only: calls Unity's message methods (Awake, Start, FixedUpdate, Update) by reflection.</summary>
    public static class StubPlayerLoop
    {
        const System.Reflection.BindingFlags Any = System.Reflection.BindingFlags.Instance
            | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;

        public static void Invoke(object target, string message)
        {
            for (Type type = target.GetType(); type != null && type != typeof(MonoBehaviour); type = type.BaseType)
            {
                var method = type.GetMethod(message, Any | System.Reflection.BindingFlags.DeclaredOnly, null, Type.EmptyTypes, null);
                if (method != null)
                {
                    try
                    {
                        method.Invoke(target, null);
                    }
                    catch (System.Reflection.TargetInvocationException error)
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

namespace UnityEngine.Rendering
{
    public enum GraphicsDeviceType { Direct3D11 = 2, Null = 4, OpenGLCore = 17, Metal = 16, Vulkan = 21 }
}

namespace UnityEditor
{
    using UnityEngine;

    [AttributeUsage(AttributeTargets.Class)]
    public sealed class CustomEditor : Attribute { public CustomEditor(Type inspectedType) { } }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class MenuItem : Attribute
    {
        public MenuItem(string itemName) { }
        public MenuItem(string itemName, bool isValidateFunction) { }
        public MenuItem(string itemName, bool isValidateFunction, int priority) { }
    }

    public class Editor : ScriptableObject
    {
        public Object target { get; set; }
        public virtual void OnInspectorGUI() { }
        public bool DrawDefaultInspector() { return true; }
        public virtual bool RequiresConstantRepaint() { return false; }
        public void Repaint() { }
    }

    public class ScriptableObject : Object { }

    public enum MessageType { None = 0, Info = 1, Warning = 2, Error = 3 }

    public static class EditorGUILayout
    {
        public static void LabelField(string label, string label2) { }
        public static void LabelField(string label) { }
        public static void HelpBox(string message, MessageType type) { }
        public static void SelectableLabel(string text) { }
        public static void Space() { }
    }

    public static class EditorGUIUtility
    {
        public static string systemCopyBuffer { get; set; }
    }

    public static class EditorApplication
    {
        public static bool isPlaying { get; set; }
    }

    public static class Selection
    {
        public static GameObject activeGameObject { get; set; }
    }

    public static class Undo
    {
        public static void RegisterCreatedObjectUndo(Object objectToUndo, string name) { }
    }
}

namespace UnityEngine
{
    public static class GUILayout
    {
        public static bool Button(string text) { return false; }
    }
}
