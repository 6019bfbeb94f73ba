using System;
using UnityEngine;

namespace Rlay.Unity
{
    /// <summary>
    /// The engine time and physics settings that <see cref="RlayEnvironment"/>
    /// changes while a trainer is attached, each stored when changed and put
    /// back exactly as it was.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item><b>Frame pacing</b>: <c>Time.captureDeltaTime</c> = fixed step ×
    /// decision period, so every rendered frame (Update, LateUpdate, Animator,
    /// cameras) covers exactly one decision at time scale 1, however fast the
    /// trainer answers — the game time of a frame no longer depends on network latency.</item>
    /// <item><b>Scripted physics</b> (ManualPhysics stepping): the 3D and 2D
    /// simulation modes switch to Script, and come back to the project's own
    /// modes (FixedUpdate, Update or Script) on detach.</item>
    /// <item><b>Stopped time</b>: <c>Time.timeScale</c> 0 while an attached
    /// trainer is idle in the editor, restored when it sends a step.</item>
    /// </list>
    /// </remarks>
    public sealed class TrainingTime
    {
        bool pacing;
        float captureBefore;
        bool scripted;
        bool simulated3D;
        bool simulated2D;
#if UNITY_2022_2_OR_NEWER
        SimulationMode modeBefore;
#else
        bool autoSimulationBefore;
#endif
        SimulationMode2D mode2DBefore;
        float timeScaleBefore = 1f;

        /// <summary>True while time is stopped because the trainer is idle (editor only).</summary>
        public bool StoppedForIdle { get; private set; }

        /// <summary>Pace frames at one decision each (trainer attached, FixedUpdate stepping).</summary>
        public void StartPacing(int decisionPeriod)
        {
            if (!pacing)
                captureBefore = Time.captureDeltaTime;
            pacing = true;
            Time.captureDeltaTime = Time.fixedDeltaTime * Math.Max(1, decisionPeriod);
        }

        /// <summary>Follow a new fixed step or decision period while pacing.</summary>
        public void UpdatePacing(int decisionPeriod)
        {
            if (pacing)
                StartPacing(decisionPeriod);
        }

        /// <summary>Put the project's own frame pacing back.</summary>
        public void StopPacing()
        {
            if (!pacing)
                return;
            pacing = false;
            Time.captureDeltaTime = captureBefore;
        }

        /// <summary>Switch 3D and 2D physics to script simulation; <see cref="Simulate"/> advances them.</summary>
        public void StartScriptedPhysics()
        {
            if (scripted)
                return;
            scripted = true;
#if UNITY_2022_2_OR_NEWER
            modeBefore = Physics.simulationMode;
            simulated3D = modeBefore != SimulationMode.Script;
            Physics.simulationMode = SimulationMode.Script;
#else
            autoSimulationBefore = Physics.autoSimulation;
            simulated3D = autoSimulationBefore;
            Physics.autoSimulation = false;
#endif
            mode2DBefore = Physics2D.simulationMode;
            simulated2D = mode2DBefore != SimulationMode2D.Script;
            Physics2D.simulationMode = SimulationMode2D.Script;
        }

        /// <summary>
        /// One fixed step of the engines the project left to Unity; one the
        /// project already simulates itself (Script mode) is left to it.
        /// </summary>
        public void Simulate(float step)
        {
            if (simulated3D)
                Physics.Simulate(step);
            if (simulated2D)
                Physics2D.Simulate(step);
        }

        /// <summary>Put the project's own simulation modes back.</summary>
        public void StopScriptedPhysics()
        {
            if (!scripted)
                return;
            scripted = false;
#if UNITY_2022_2_OR_NEWER
            Physics.simulationMode = modeBefore;
#else
            Physics.autoSimulation = autoSimulationBefore;
#endif
            Physics2D.simulationMode = mode2DBefore;
        }

        /// <summary>Stop the game's time while the trainer is idle (the editor stays responsive).</summary>
        public void StopForIdle()
        {
            if (StoppedForIdle)
                return;
            StoppedForIdle = true;
            timeScaleBefore = Time.timeScale;
            Time.timeScale = 0f;
        }

        /// <summary>Run time again at the scale it had before <see cref="StopForIdle"/>.</summary>
        public void Resume()
        {
            if (!StoppedForIdle)
                return;
            StoppedForIdle = false;
            // Someone else (a pause menu, a time_scale call) may have set it meanwhile: theirs wins.
            if (Time.timeScale == 0f)
                Time.timeScale = timeScaleBefore;
        }

        /// <summary>Forget a stop that someone else ended (the game set Time.timeScale itself).</summary>
        public void NoticeTimeScale()
        {
            if (StoppedForIdle && Time.timeScale != 0f)
                StoppedForIdle = false;
        }

        /// <summary>Everything back as the project had it (the trainer left, the environment is disabled).</summary>
        public void RestoreAll()
        {
            StopPacing();
            StopScriptedPhysics();
            Resume();
        }
    }
}
