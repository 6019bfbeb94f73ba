// Engine-independent: no UnityEngine here, so it is tested under plain Mono.
using System;
using System.Collections.Generic;
using System.Threading;
using Rlay.Protocol;

namespace Rlay.Unity
{
    /// <summary>
    /// The connection to the trainer, on background threads: listens for
    /// <c>rlay.ClientEnv</c> (<see cref="Listen"/>) or dials
    /// <c>rlay.ServerEnv</c> (<see cref="Dial"/>), and serves each session
    /// through the core's <see cref="EnvSession"/> with a
    /// <see cref="MainThreadEnvironment"/>, which forwards the commands to the
    /// <see cref="LockstepController"/> on the main thread.
    /// </summary>
    /// <remarks>
    /// One trainer at a time: the scene is one set of sub-environments. A
    /// second trainer that connects while one is attached is refused with
    /// ERROR_CODE_UNAVAILABLE; after the first leaves, the next may connect.
    /// </remarks>
    public sealed class TrainerLink : IDisposable
    {
        /// <summary>How to connect and what to tell the trainer.</summary>
        public sealed class Settings
        {
            /// <summary>The spec sent in the handshake (num_envs, spaces, render modes).</summary>
            public EnvSpec Spec;

            /// <summary>The token the trainer must present; null or empty: none.</summary>
            public string Token;

            /// <summary>Dial only: how long to keep trying to reach the ServerEnv.</summary>
            public TimeSpan ConnectTimeout = TimeSpan.FromSeconds(60);

            /// <summary>A trainer that sends nothing for this long is dropped; zero: never.</summary>
            public TimeSpan IdleTimeout = TimeSpan.Zero;

            /// <summary>How long a command may wait for the main thread before it fails.</summary>
            public TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

            public Action<string> Log;

            public Action<string> LogWarning;

            /// <summary>Dial only: called (on the link's thread) when the ServerEnv could not be reached.</summary>
            public Action<string> OnDialFailed;
        }

        readonly LockstepController controller;
        readonly Settings settings;
        volatile EnvSpec spec;
        Server server;
        EnvSession dialSession;
        Thread dialThread;
        volatile string status = "";
        volatile bool disposed;

        TrainerLink(LockstepController controller, Settings settings)
        {
            if (controller == null)
                throw new ArgumentNullException("controller");
            if (settings == null || settings.Spec == null)
                throw new ArgumentException("settings with a Spec are needed");
            this.controller = controller;
            this.settings = settings;
            spec = settings.Spec;
        }

        /// <summary>Any thread: the spec the next trainer receives (the attached one keeps its own).</summary>
        public void UpdateSpec(EnvSpec newSpec)
        {
            if (newSpec == null)
                throw new ArgumentNullException("newSpec");
            spec = newSpec;
        }

        /// <summary>One line on the connection's state.</summary>
        public string Status
        {
            get { return controller.IsRemote ? "trainer connected" + (ListenAddress == null ? "" : " on " + ListenAddress) : status; }
        }

        /// <summary>The bound address a ClientEnv dials (real port), or null when dialling.</summary>
        public string ListenAddress { get; private set; }

        /// <summary>Listen on <paramref name="address"/> (e.g. tcp://127.0.0.1:5555) for ClientEnv trainers.</summary>
        /// <exception cref="AddressInUseException">Another program holds the port.</exception>
        /// <exception cref="InvalidAddressException">The address cannot be parsed.</exception>
        public static TrainerLink Listen(LockstepController controller, string address, Settings settings)
        {
            var link = new TrainerLink(controller, settings);
            link.server = new Server(link.NewEnvironment, address, link.SessionOptions("trainer"));
            link.server.SessionEnded += link.OnSessionEnded;
            link.ListenAddress = link.server.Address.ToString();
            link.status = "listening on " + link.ListenAddress + ", no trainer connected";
            link.server.Start();
            return link;
        }

        /// <summary>Dial a ServerEnv at <paramref name="address"/> on a background thread, retrying until it listens.</summary>
        public static TrainerLink Dial(LockstepController controller, string address, Settings settings)
        {
            Address.Parse(address); // a malformed address fails here, on the caller's thread
            var link = new TrainerLink(controller, settings);
            link.status = "dialling " + address;
            link.dialThread = new Thread(() => link.DialLoop(address)) { IsBackground = true, Name = "rlay dial " + address };
            link.dialThread.Start();
            return link;
        }

        void DialLoop(string address)
        {
            EnvSession session;
            try
            {
                int timeoutMs = (int)Math.Min(int.MaxValue, settings.ConnectTimeout.TotalMilliseconds);
                session = Dialer.Connect(NewEnvironment(), address, SessionOptions("trainer at " + address), timeoutMs);
            }
            catch (Exception error)
            {
                status = "could not reach " + address + ": " + error.Message;
                Warn(status + "; agents follow their Heuristic()");
                if (settings.OnDialFailed != null)
                    settings.OnDialFailed(error.Message);
                return;
            }
            lock (this)
            {
                if (disposed)
                {
                    session.Close();
                    return;
                }
                dialSession = session;
            }
            status = "connected to " + address;
            Info("connected to the trainer at " + address);
            SessionEnd end = SessionEnd.Lost;
            try
            {
                end = session.Run();
            }
            catch (ThreadAbortException)
            {
                return; // the process or the scripting domain is shutting down
            }
            catch (Exception error)
            {
                Warn("session with " + address + " failed: " + error);
            }
            OnSessionEnded(end, session.EndMessage);
            status = "the trainer at " + address + " left (" + end + ")";
        }

        IEnvironment NewEnvironment()
        {
            return new MainThreadEnvironment(controller, spec, settings.CommandTimeout);
        }

        EnvSessionOptions SessionOptions(string name)
        {
            var options = new EnvSessionOptions { Token = settings.Token, Name = name };
            if (settings.IdleTimeout > TimeSpan.Zero)
                options.IdleTimeoutMs = (int)Math.Min(int.MaxValue, settings.IdleTimeout.TotalMilliseconds);
            return options;
        }

        void OnSessionEnded(SessionEnd end, string message)
        {
            string text = "session ended: " + end + (string.IsNullOrEmpty(message) ? "" : " (" + message + ")");
            if (end == SessionEnd.Closed || end == SessionEnd.Lost)
                Info(text);
            else
                Warn(text);
            if (server != null && !disposed)
                status = "listening on " + ListenAddress + ", no trainer connected (last " + text + ")";
        }

        void Info(string message)
        {
            if (settings.Log != null)
                settings.Log(message);
        }

        void Warn(string message)
        {
            if (settings.LogWarning != null)
                settings.LogWarning(message);
            else
                Info(message);
        }

        /// <summary>Stop listening or dialling and close the session (the main thread goes back to heuristic control).</summary>
        public void Dispose()
        {
            EnvSession session;
            lock (this)
            {
                if (disposed)
                    return;
                disposed = true;
                session = dialSession;
            }
            status = "closed";
            if (server != null)
                server.Stop(1000);
            if (session != null)
                session.Close();
        }
    }

    /// <summary>
    /// The core's <see cref="IEnvironment"/> for one trainer connection: each
    /// call (on the session's thread) becomes a command for the main thread,
    /// waited for at most the command timeout.
    /// </summary>
    public sealed class MainThreadEnvironment : IMultiAgentEnvironment
    {
        readonly LockstepController controller;
        readonly EnvSpec spec;
        readonly TimeSpan timeout;
        readonly MainThreadChannel channel = new MainThreadChannel();

        public MainThreadEnvironment(LockstepController controller, EnvSpec spec, TimeSpan commandTimeout)
        {
            this.controller = controller;
            this.spec = spec;
            timeout = commandTimeout;
        }

        public EnvSpec Open(string renderMode)
        {
            if (renderMode != null && !spec.RenderModes.Contains(renderMode))
            {
                string offered = spec.RenderModes.Count == 0 ? "none (give an RlayAgent a render camera)" : string.Join(", ", spec.RenderModes.ToArray());
                throw new CommandException(ErrorCode.InvalidArgument, "render mode '" + renderMode + "' is not supported; this env offers: " + offered);
            }
            if (!controller.TryAttach(channel, renderMode))
                throw new CommandException(ErrorCode.Unavailable, "this game already serves another trainer; close it first");
            EnvSpec copy = EnvSpec.Parse(spec.ToByteArray());
            copy.RenderMode = renderMode ?? "";
            return copy;
        }

        public void Reset(ResetArgs args, ResetResult result)
        {
            var answer = (ResetResult)channel.Send(new ResetCommand { Args = Copy(args) }, timeout);
            Array.Copy(answer.Observations, result.Observations, result.Observations.Length);
            Array.Copy(answer.Infos, result.Infos, result.Infos.Length);
            result.ObservationBatch = answer.ObservationBatch;
        }

        public void Step(Value[] actions, StepResult result)
        {
            var answer = (StepResult)channel.Send(new StepCommand { Actions = (Value[])actions.Clone() }, timeout);
            Array.Copy(answer.Observations, result.Observations, result.Observations.Length);
            Array.Copy(answer.Rewards, result.Rewards, result.Rewards.Length);
            Array.Copy(answer.Terminated, result.Terminated, result.Terminated.Length);
            Array.Copy(answer.Truncated, result.Truncated, result.Truncated.Length);
            Array.Copy(answer.Infos, result.Infos, result.Infos.Length);
            result.Finals.AddRange(answer.Finals);
            result.ObservationBatch = answer.ObservationBatch;
        }

        public void ResetAgents(ulong? seed, Value options, AgentReports reports)
        {
            var answer = (AgentReports)channel.Send(new AgentResetCommand { Seed = seed, Options = options }, timeout);
            foreach (AgentReport report in answer.All)
                reports.All.Add(report);
        }

        public void StepAgents(IList<AgentAction> actions, AgentReports reports)
        {
            var answer = (AgentReports)channel.Send(new AgentStepCommand { Actions = new List<AgentAction>(actions) }, timeout);
            foreach (AgentReport report in answer.All)
                reports.All.Add(report);
        }

        public Value[] Render()
        {
            return (Value[])channel.Send(new RenderCommand(), timeout);
        }

        public Value Call(string name, Value value)
        {
            return (Value)channel.Send(new CallCommand { Name = name, Value = value }, timeout);
        }

        public void Close()
        {
            channel.Close("the connection closed");
        }

        static ResetArgs Copy(ResetArgs args)
        {
            // The session reuses its ResetArgs; the main thread gets its own copy.
            return new ResetArgs
            {
                Seeds = args.Seeds == null ? null : (ulong?[])args.Seeds.Clone(),
                Options = args.Options,
                Mask = args.Mask == null ? null : (bool[])args.Mask.Clone(),
            };
        }
    }
}
