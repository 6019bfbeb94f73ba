using System;
using System.Collections.Generic;
using Rlay.Protocol;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Rlay.Unity
{
    /// <summary>
    /// The scene's agents as the trainer sees them: found in a stable order, and, when
    /// they declare behaviours, named and grouped for a multi-agent EnvSpec (protocol 1.1).
    /// </summary>
    public static class SceneAgents
    {
        /// <summary>Every RlayAgent of the loaded scenes: scene load order, then hierarchy order,
        /// so that agent i is the same agent on every run.</summary>
        public static List<RlayAgent> Find()
        {
#if UNITY_6000_4_OR_NEWER
            RlayAgent[] found = UnityEngine.Object.FindObjectsByType<RlayAgent>();
#elif UNITY_2023_1_OR_NEWER
            RlayAgent[] found = UnityEngine.Object.FindObjectsByType<RlayAgent>(FindObjectsSortMode.None);
#else
            RlayAgent[] found = UnityEngine.Object.FindObjectsOfType<RlayAgent>();
#endif
            var list = new List<RlayAgent>(found);
            list.Sort((a, b) => string.CompareOrdinal(HierarchyKey(a.transform), HierarchyKey(b.transform)));
            return list;
        }

        /// <summary>True when any agent names a behaviour: the scene is multi-agent.</summary>
        public static bool IsMultiAgent(List<RlayAgent> agents)
        {
            return agents.Exists(a => a != null && !string.IsNullOrEmpty(a.BehaviorName));
        }

        /// <summary>
        /// The roster's slots: behaviour = the agent's BehaviorName (else its class name),
        /// name = its AgentName (else behaviour_k, k counting that behaviour's agents in order).
        /// </summary>
        /// <exception cref="ArgumentException">Two agents have the same name.</exception>
        public static List<AgentSlot> Slots(List<RlayAgent> agents)
        {
            var slots = new List<AgentSlot>();
            var counts = new Dictionary<string, int>();
            var names = new HashSet<string>();
            foreach (RlayAgent agent in agents)
            {
                string behavior = string.IsNullOrEmpty(agent.BehaviorName) ? agent.GetType().Name : agent.BehaviorName;
                int k;
                counts.TryGetValue(behavior, out k);
                counts[behavior] = k + 1;
                string name = string.IsNullOrEmpty(agent.AgentName) ? behavior + "_" + k : agent.AgentName;
                if (!names.Add(name))
                    throw new ArgumentException("two agents are named '" + name + "': give each a unique Agent Name");
                RlayAgent captured = agent;
                slots.Add(new AgentSlot
                {
                    Env = agent,
                    Name = name,
                    Behavior = behavior,
                    DecisionInterval = agent.DecisionInterval,
                    IsPresent = () => captured != null && captured.isActiveAndEnabled,
                });
            }
            return slots;
        }

        /// <summary>A multi-agent EnvSpec: behaviours in order of first appearance, agents in roster order.</summary>
        /// <exception cref="ArgumentException">Agents of one behaviour declare different spaces.</exception>
        public static EnvSpec MultiAgentSpec(string envId, AgentRoster roster)
        {
            EnvSpec spec = EnvSpecs.MultiAgent(envId);
            var declared = new Dictionary<string, BehaviorSpec>();
            foreach (AgentSlot slot in roster.Slots)
            {
                Space observation = slot.Env.ObservationSpace;
                Space action = slot.Env.ActionSpace;
                if (observation == null || action == null)
                    throw new ArgumentException("agent '" + slot.Name + "' declares no observation or action space");
                BehaviorSpec behavior;
                if (!declared.TryGetValue(slot.Behavior, out behavior))
                {
                    behavior = new BehaviorSpec { Name = slot.Behavior, ObservationSpace = observation, ActionSpace = action };
                    declared[slot.Behavior] = behavior;
                    spec.Behaviors.Add(behavior);
                }
                else if (!Same(behavior.ObservationSpace, observation) || !Same(behavior.ActionSpace, action))
                {
                    throw new ArgumentException("agent '" + slot.Name + "' declares other spaces than the first agent of behaviour '" + slot.Behavior + "'; agents of one behaviour share their spaces");
                }
                spec.Agents.Add(new AgentSpec { Name = slot.Name, Behavior = slot.Behavior });
            }
            return spec;
        }

        /// <summary>One line per behaviour: its agents, their decision intervals, who decides now.</summary>
        public static List<string> Summary(AgentRoster roster)
        {
            var order = new List<string>();
            var lines = new Dictionary<string, List<string>>();
            for (int i = 0; i < roster.Slots.Count; i++)
            {
                AgentSlot slot = roster.Slots[i];
                if (!lines.ContainsKey(slot.Behavior))
                {
                    order.Add(slot.Behavior);
                    lines[slot.Behavior] = new List<string>();
                }
                string state = roster.IsLive(i) ? "live" : roster.IsAlive(i) ? "waiting" : "out";
                lines[slot.Behavior].Add(slot.Name + (slot.DecisionInterval > 1 ? " (every " + slot.DecisionInterval + ")" : "") + ": " + state);
            }
            return order.ConvertAll(b => b + " — " + string.Join(", ", lines[b].ToArray()));
        }

        static bool Same(Space a, Space b)
        {
            return LockstepController.SameBytes(a.ToByteArray(), b.ToByteArray());
        }

        static string HierarchyKey(Transform transform)
        {
            string key = "";
            for (Transform t = transform; t != null; t = t.parent)
                key = t.GetSiblingIndex().ToString("D6") + "/" + key;
            return SceneIndex(transform.gameObject.scene).ToString("D4") + ":" + key;
        }

        static int SceneIndex(Scene scene)
        {
            for (int i = 0; i < SceneManager.sceneCount; i++)
                if (SceneManager.GetSceneAt(i) == scene)
                    return i;
            return SceneManager.sceneCount; // not a loaded scene (DontDestroyOnLoad): last
        }
    }
}
