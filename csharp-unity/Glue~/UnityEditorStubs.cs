// COMPILE-CHECK AID ONLY — NOT SHIPPED, NOT UNITY.
//
// The UnityEditor (and IMGUI) surface the package's Editor folder uses; see UnityEngineStubs.cs.
using System;

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
