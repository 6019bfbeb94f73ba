using Rlay.Unity;
using UnityEditor;
using UnityEngine;

namespace Rlay.Editor
{
    /// <summary>
    /// The RlayEnvironment inspector: its settings, then (in Play mode) the
    /// connection status, the agents (by behaviour, with who decides now, in a
    /// multi-agent scene), and the Python that connects to it.
    /// </summary>
    [CustomEditor(typeof(RlayEnvironment))]
    public sealed class RlayEnvironmentEditor : UnityEditor.Editor
    {
        public override void OnInspectorGUI()
        {
            DrawDefaultInspector();
            var environment = (RlayEnvironment)target;
            EditorGUILayout.Space();
            if (!EditorApplication.isPlaying)
            {
                EditorGUILayout.HelpBox(
                    "Press Play: the scene listens for rlay.ClientEnv (see the Console for the address). "
                    + "A player started by rlay.ServerEnv(launch=[...]) dials Python instead.",
                    MessageType.Info);
                if (GUILayout.Button("Copy Python snippet"))
                    EditorGUIUtility.systemCopyBuffer = environment.PythonSnippet();
                return;
            }
            EditorGUILayout.LabelField("Status", environment.StatusText);
            EditorGUILayout.LabelField("Control", environment.IsTrainerConnected ? "trainer" : "Heuristic()");
            if (environment.IsMultiAgent)
            {
                EditorGUILayout.LabelField("Agents", environment.Agents.Count + " (multi-agent: a PettingZoo ParallelEnv in Python)");
                foreach (string behavior in environment.BehaviorSummary())
                    EditorGUILayout.LabelField("Behaviour", behavior);
            }
            else
            {
                EditorGUILayout.LabelField("Sub-environments", environment.Agents.Count.ToString());
            }
            EditorGUILayout.LabelField("Decision steps", environment.TotalSteps.ToString());
            if (GUILayout.Button("Copy Python snippet"))
                EditorGUIUtility.systemCopyBuffer = environment.PythonSnippet();
        }

        public override bool RequiresConstantRepaint()
        {
            // The status changes from the network thread; keep it fresh in Play mode.
            return EditorApplication.isPlaying;
        }
    }

    /// <summary>Menu items: add an RlayEnvironment, copy the Python snippet.</summary>
    public static class RlayMenu
    {
        [MenuItem("GameObject/rlay/Rlay Environment", false, 10)]
        static void CreateEnvironment()
        {
            var holder = new GameObject("Rlay Environment");
            holder.AddComponent<RlayEnvironment>();
            Undo.RegisterCreatedObjectUndo(holder, "Create Rlay Environment");
            Selection.activeGameObject = holder;
        }

        [MenuItem("Tools/rlay/Copy Python Snippet")]
        static void CopySnippet()
        {
            RlayEnvironment environment = RlayEnvironment.Instance;
            if (environment == null)
            {
#if UNITY_2023_1_OR_NEWER
                environment = Object.FindFirstObjectByType<RlayEnvironment>();
#else
                environment = Object.FindObjectOfType<RlayEnvironment>();
#endif
            }
            string snippet = environment != null
                ? environment.PythonSnippet()
                : "import rlay\n\nenv = rlay.ClientEnv(\"tcp://127.0.0.1:5555\")\nobs, info = env.reset(seed=0)\n";
            EditorGUIUtility.systemCopyBuffer = snippet;
            Debug.Log("rlay: copied to the clipboard:\n" + snippet);
        }
    }
}
