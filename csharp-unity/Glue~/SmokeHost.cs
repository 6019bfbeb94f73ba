// COMPILE-CHECK AID ONLY — NOT SHIPPED.
//
// A stand-in "player" for check_glue.py's smoke test: it builds the CartPole
// sample scene with the real glue (RlayEnvironment, RlayAgent, CartPoleScene)
// compiled against UnityEngineStubs.cs, and runs a fake player loop that
// runs frames the way Unity does (StubPlayerLoop.Frame). Python then trains against
// it with rlay.ClientEnv / rlay.ServerEnv exactly as against a built game.
//
// Arguments besides the glue's own (-rlay-address, -rlay-listen):
//   -smoke-count N      cart-poles (sub-environments), default 1
//   -smoke-seconds S    stop after S seconds (default 120)
//   -smoke-graphics     pretend a graphics device exists (render() returns frames)
//   -smoke-manual       SteppingMode.ManualPhysics instead of FixedUpdate
//   -smoke-chaser-evader  the multi-agent Chaser and Evader sample instead of CartPole
//   -smoke-connect-timeout S   RlayEnvironment.ConnectTimeoutSeconds
using System;
using System.Diagnostics;
using System.Threading;
using Rlay.Samples.CartPole;
using Rlay.Samples.ChaserEvader;
using Rlay.Unity;
using UnityEngine;

static class SmokeHost
{
    static int Main(string[] args)
    {
        int count = int.Parse(Flag(args, "-smoke-count") ?? "1");
        double seconds = double.Parse(Flag(args, "-smoke-seconds") ?? "120", System.Globalization.CultureInfo.InvariantCulture);
        if (Array.IndexOf(args, "-smoke-graphics") >= 0)
            SystemInfo.graphicsDeviceType = UnityEngine.Rendering.GraphicsDeviceType.OpenGLCore;
        Application.isBatchMode = true;

        // The scene's Awake runs inside AddComponent and adds the RlayEnvironment.
        var root = new GameObject("Scene");
        if (Array.IndexOf(args, "-smoke-chaser-evader") >= 0)
            root.AddComponent<ChaserEvaderScene>();
        else
            AddScene(root, count);
        RlayEnvironment environment = root.GetComponent<RlayEnvironment>();
        if (Array.IndexOf(args, "-smoke-manual") >= 0)
            environment.Stepping = RlayEnvironment.SteppingMode.ManualPhysics;
        environment.Port = 0;
        string connectTimeout = Flag(args, "-smoke-connect-timeout");
        if (connectTimeout != null)
            environment.ConnectTimeoutSeconds = float.Parse(connectTimeout, System.Globalization.CultureInfo.InvariantCulture);
        Stopwatch clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            // Start, FixedUpdate(s), Update, LateUpdate, as Unity runs a frame.
            StubPlayerLoop.Frame();
            if (!environment.enabled)
            {
                Console.Error.WriteLine("smoke: RlayEnvironment disabled itself");
                return 3;
            }
            if (Application.StubQuitCode.HasValue)
            {
                StubPlayerLoop.Broadcast("OnApplicationQuit");
                return Application.StubQuitCode.Value;
            }
            // Heuristic play runs in real time; with a trainer, FixedUpdate waits for it.
            if (!environment.IsTrainerConnected)
                Thread.Sleep(20);
        }
        Console.Error.WriteLine("smoke: time is up");
        StubPlayerLoop.Broadcast("OnDestroy");
        return 0;
    }

    static CartPoleScene AddScene(GameObject root, int count)
    {
        // Unity would take the inspector's count before Awake; the stub's
        // AddComponent runs Awake at once, so set it through a subclass default.
        CountedScene.Count = count;
        return root.AddComponent<CountedScene>();
    }

    sealed class CountedScene : CartPoleScene
    {
        public static int Count = 1;

        public CountedScene()
        {
            count = Count;
            port = 0;
        }
    }

    static string Flag(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
