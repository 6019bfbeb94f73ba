using System;
using System.Threading;
using Rlay;

namespace Rlay.Conformance
{
    /// <summary>
    /// The C# conformance peer (conformance/PEERS.md):
    /// peer.exe --env NAME --mode listen|dial --address ADDR [--token TOKEN]
    /// </summary>
    static class Program
    {
        static int Main(string[] args)
        {
            string env = null, mode = null, address = null, token = null;
            for (int i = 0; i < args.Length; i++)
            {
                string option = args[i];
                if (i + 1 >= args.Length || !(option == "--env" || option == "--mode" || option == "--address" || option == "--token"))
                    return Usage("unknown or incomplete option '" + option + "'");
                string value = args[++i];
                if (option == "--env") env = value;
                else if (option == "--mode") mode = value;
                else if (option == "--address") address = value;
                else token = value;
            }
            if (env == null || mode == null || address == null) return Usage("--env, --mode and --address are required");
            if (Array.IndexOf(ConformanceEnvironment.Names, env) < 0 && env != MultiAgentEnv.Name) return Usage("unknown environment '" + env + "'");
            if (mode != "listen" && mode != "dial") return Usage("unknown mode '" + mode + "'");
            RlayLog.MinimumLevel = LogLevel.Info;
            EnvSessionOptions options = new EnvSessionOptions { Token = token, IdleTimeoutMs = 120000 };
            try
            {
                return mode == "listen" ? Listen(env, address, options) : Dial(env, address, options);
            }
            catch (RlayException e)
            {
                Console.Error.WriteLine("peer: " + e.Message);
                return 1;
            }
        }

        static IEnvironment Create(string env)
        {
            if (env == MultiAgentEnv.Name) return new MultiAgentEnv();
            return new ConformanceEnvironment(env);
        }

        static int Usage(string reason)
        {
            Console.Error.WriteLine("peer: " + reason);
            Console.Error.WriteLine("usage: peer.exe --env NAME --mode listen|dial --address ADDR [--token TOKEN]");
            return 2;
        }

        static int Listen(string env, string address, EnvSessionOptions options)
        {
            using (Server server = new Server(() => Create(env), address, options))
            {
                server.Start();
                Console.Out.WriteLine("READY " + server.Address);
                Console.Out.Flush();
                Signals.WaitForTermination();
                server.Stop(3000);
            }
            return 0;
        }

        static int Dial(string env, string address, EnvSessionOptions options)
        {
            EnvSession session = Dialer.Connect(Create(env), address, options, 10000);
            SessionEnd end = session.Run();
            if (end == SessionEnd.Closed) return 0;
            Console.Error.WriteLine("peer: the session ended without close (" + end + "): " + session.EndMessage);
            return 1;
        }
    }

    /// <summary>Blocks until SIGTERM or SIGINT.</summary>
    static class Signals
    {
        public static void WaitForTermination()
        {
            Mono.Unix.UnixSignal[] signals =
            {
                new Mono.Unix.UnixSignal(Mono.Unix.Native.Signum.SIGTERM),
                new Mono.Unix.UnixSignal(Mono.Unix.Native.Signum.SIGINT),
            };
            Mono.Unix.UnixSignal.WaitAny(signals, -1);
        }
    }
}
