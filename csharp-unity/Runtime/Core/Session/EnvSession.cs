using System;
using System.Collections.Generic;
using Rlay.Protocol;
using Rlay.Transports;

namespace Rlay
{
    /// <summary>Settings of an env-side session.</summary>
    public sealed class EnvSessionOptions
    {
        /// <summary>Shared secret the agent's hello must carry; null or empty accepts any token.</summary>
        public string Token;

        /// <summary>How long to wait for the agent's hello after connecting.</summary>
        public int HelloTimeoutMs = 30000;

        /// <summary>How long to wait for the next command; negative waits while the connection is open.</summary>
        public int IdleTimeoutMs = -1;

        /// <summary>How long the rest of a frame may take once its first byte has arrived.</summary>
        public int FrameTimeoutMs = 30000;

        public int MaxFrameSize = Framing.DefaultMaxFrameSize;

        /// <summary>Name used in log messages.</summary>
        public string Name;

        public EnvSessionOptions Clone()
        {
            return (EnvSessionOptions)MemberwiseClone();
        }
    }

    /// <summary>How a session ended.</summary>
    public enum SessionEnd
    {
        /// <summary>The agent sent close and got its reply.</summary>
        Closed,
        /// <summary>The handshake was refused (version, token, render mode, open failure).</summary>
        Refused,
        /// <summary>The connection dropped or was closed from this side.</summary>
        Lost,
        /// <summary>No hello or command arrived in time.</summary>
        TimedOut,
        /// <summary>The agent broke the protocol (undecodable or oversized frame, wrong order).</summary>
        ProtocolError,
    }

    /// <summary>
    /// The env side of one connection: the handshake, then exactly one reply per command.
    /// </summary>
    /// <remarks>
    /// The session checks the protocol major version (ERROR_CODE_VERSION_MISMATCH naming
    /// both versions) and the token (ERROR_CODE_UNAUTHENTICATED), refuses a step before the
    /// first reset (ERROR_CODE_FAILED_PRECONDITION), checks actions against the action space
    /// (ERROR_CODE_INVALID_ARGUMENT) and answers environment exceptions with ERROR_CODE_ENV;
    /// after those the session goes on. A malformed or oversized frame is answered with an
    /// error frame and ends the session. <see cref="Run"/> never throws for peer misbehaviour.
    /// <code>
    /// using (IConnection c = Transport.Dial(Address.Parse("tcp://127.0.0.1:5005"), 10000))
    /// {
    ///     SessionEnd end = new EnvSession(c, new MyEnv(), new EnvSessionOptions()).Run();
    /// }
    /// </code>
    /// </remarks>
    public sealed class EnvSession
    {
        public const uint ProtocolMajor = 1;
        /// <summary>1.1: multi-agent envs (a single-agent env speaks exactly 1.0 whatever the minor).</summary>
        public const uint ProtocolMinor = 1;
        public const string Implementation = "rlay-csharp";
        public const string ImplementationVersion = "1.0.0";
        static readonly string[] Capabilities = { "render", "call" };

        readonly IConnection connection;
        readonly IEnvironment environment;
        readonly EnvSessionOptions options;
        readonly string name;
        readonly SessionResponse response = new SessionResponse();
        readonly object closeLock = new object();
        byte[] sendBuffer;
        readonly List<ArraySegment<byte>> sendSegments = new List<ArraySegment<byte>>();
        EnvSpec spec;
        int numEnvs;
        bool opened;
        bool closed;
        bool hasReset;
        ResetResult resetResult;
        StepResult stepResult;
        ResetArgs resetArgs;
        AgentSession agents;
        readonly Tensor rewards = new Tensor();
        readonly Tensor terminated = new Tensor();
        readonly Tensor truncated = new Tensor();

        public EnvSession(IConnection connection, IEnvironment environment, EnvSessionOptions options = null)
        {
            if (connection == null) throw new ArgumentNullException("connection");
            if (environment == null) throw new ArgumentNullException("environment");
            this.connection = connection;
            this.environment = environment;
            this.options = options ?? new EnvSessionOptions();
            name = this.options.Name ?? connection.PeerAddress;
            connection.MaxFrameSize = this.options.MaxFrameSize;
        }

        /// <summary>The EnvSpec the environment gave in the handshake (null before).</summary>
        public EnvSpec Spec { get { return spec; } }

        /// <summary>Why the session ended, in words (empty while it runs or after a clean close).</summary>
        public string EndMessage { get; private set; }

        /// <summary>Serves commands until the agent closes or the connection fails.</summary>
        public SessionEnd Run()
        {
            EndMessage = "";
            try
            {
                if (!Handshake()) return SessionEnd.Refused;
                while (true)
                {
                    bool? more = ServeOne();
                    if (more == null) return SessionEnd.ProtocolError;
                    if (!more.Value) return SessionEnd.Closed;
                }
            }
            catch (FrameTooLargeException e)
            {
                Fatal(ErrorCode.FrameTooLarge, e.Message);
                return SessionEnd.ProtocolError;
            }
            catch (ProtocolException e)
            {
                Fatal(ErrorCode.Protocol, e.Message);
                return SessionEnd.ProtocolError;
            }
            catch (TimeoutException e)
            {
                EndMessage = e.Message;
                RlayLog.Write(LogLevel.Warning, name + ": " + e.Message + "; closing");
                return SessionEnd.TimedOut;
            }
            catch (ConnectionClosedException e)
            {
                EndMessage = e.Message;
                RlayLog.Write(LogLevel.Debug, name + ": " + e.Message);
                return SessionEnd.Lost;
            }
            finally
            {
                Close();
            }
        }

        /// <summary>Closes the connection and the environment (idempotent, thread-safe).</summary>
        public void Close()
        {
            lock (closeLock)
            {
                if (closed) return;
                closed = true;
            }
            connection.Close();
            if (opened)
            {
                try
                {
                    environment.Close();
                }
                catch (Exception e)
                {
                    RlayLog.Write(LogLevel.Error, name + ": closing the env failed: " + e);
                }
            }
        }

        SessionRequest Receive(int idleTimeoutMs)
        {
            byte[] frame = connection.ReceiveFrame(idleTimeoutMs, options.FrameTimeoutMs);
            return SessionRequest.Parse(frame, 0, frame.Length);
        }

        void Send(SessionResponse message)
        {
            int count = Framing.EncodeGather(message, ref sendBuffer, sendSegments);
            // Large observations go out from the env's own arrays (scatter-gather, no copy).
            if (sendSegments.Count == 1) connection.SendFrame(sendBuffer, 0, count);
            else connection.SendFrame(sendSegments);
            // Do not keep a huge buffer alive after one large reply.
            if (sendBuffer.Length > 64 * 1024 * 1024) sendBuffer = null;
        }

        void Fatal(ErrorCode code, string message)
        {
            EndMessage = code + ": " + message;
            RlayLog.Write(LogLevel.Warning, name + ": " + EndMessage + "; closing the connection");
            response.Clear();
            response.Error = new Error { Code = code, Message = message };
            try
            {
                Send(response);
            }
            catch (RlayException)
            {
                // The agent is gone already: nothing more to tell it.
            }
        }

        bool Handshake()
        {
            SessionRequest request = Receive(options.HelloTimeoutMs);
            if (request.KindCase != SessionRequest.KindOneofCase.Hello)
            {
                Fatal(ErrorCode.Protocol, "expected hello first, got " + KindName(request));
                return false;
            }
            Hello hello = request.Hello;
            uint major = hello.ProtocolVersion == null ? 0 : hello.ProtocolVersion.Major;
            uint minor = hello.ProtocolVersion == null ? 0 : hello.ProtocolVersion.Minor;
            if (major != ProtocolMajor)
            {
                string agent = hello.Implementation.Length == 0 ? "unknown" : hello.Implementation;
                Fatal(ErrorCode.VersionMismatch,
                      "protocol version mismatch: the agent (" + agent + " " + hello.ImplementationVersion + ") speaks " +
                      major + "." + minor + ", this env (" + Implementation + " " + ImplementationVersion + ") speaks " +
                      ProtocolMajor + "." + ProtocolMinor);
                return false;
            }
            if (!string.IsNullOrEmpty(options.Token) && !TokensEqual(hello.Token, options.Token))
            {
                Fatal(ErrorCode.Unauthenticated, "the agent's token is missing or wrong");
                return false;
            }
            try
            {
                opened = true;
                spec = environment.Open(hello.RenderMode.Length == 0 ? null : hello.RenderMode);
                if (spec == null) throw new InvalidOperationException("Open returned no EnvSpec");
                if (AgentSession.IsMultiAgent(spec))
                {
                    if (!(environment is IMultiAgentEnvironment))
                        throw new InvalidOperationException("the EnvSpec declares agents but the env does not implement IMultiAgentEnvironment");
                    agents = new AgentSession(spec);
                }
                else if (spec.ObservationSpace == null || spec.ActionSpace == null)
                    throw new InvalidOperationException("the EnvSpec needs an observation and an action space");
                if (spec.NumEnvs == 0) spec.NumEnvs = 1;
                numEnvs = (int)spec.NumEnvs;
            }
            catch (Exception e)
            {
                ErrorCode code;
                string message;
                Classify(e, out code, out message);
                Fatal(code, "could not open the env: " + message);
                return false;
            }
            if (agents != null && !hello.Capabilities.Contains(AgentSession.Capability))
            {
                // After the version and token checks, as the contract orders them.
                Fatal(ErrorCode.CapabilityRequired,
                      "the env '" + spec.EnvId + "' is multi-agent: the agent side must list the capability '" + AgentSession.Capability +
                      "' (protocol 1.1); connect with a multi-agent client");
                return false;
            }
            resetResult = new ResetResult(numEnvs);
            stepResult = new StepResult(numEnvs);
            resetArgs = new ResetArgs();
            response.Clear();
            Hello reply = new Hello
            {
                ProtocolVersion = new ProtocolVersion { Major = ProtocolMajor, Minor = ProtocolMinor },
                Implementation = Implementation,
                ImplementationVersion = ImplementationVersion,
                EnvSpec = spec,
            };
            reply.Capabilities.AddRange(Capabilities);
            if (agents != null) reply.Capabilities.Add(AgentSession.Capability);
            response.Hello = reply;
            Send(response);
            return true;
        }

        static bool TokensEqual(string a, string b)
        {
            // Compare in constant time so the token cannot be guessed byte by byte.
            int diff = a.Length ^ b.Length;
            for (int i = 0; i < a.Length && i < b.Length; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }

        /// <summary>true: go on; false: closed cleanly; null: ended by a protocol error.</summary>
        bool? ServeOne()
        {
            SessionRequest request = Receive(options.IdleTimeoutMs);
            SessionRequest.KindOneofCase kind = request.KindCase;
            if (kind == SessionRequest.KindOneofCase.Close)
            {
                response.Clear();
                response.Close = new CloseResponse();
                Send(response);
                return false;
            }
            if (kind == SessionRequest.KindOneofCase.None || kind == SessionRequest.KindOneofCase.Hello)
            {
                Fatal(ErrorCode.Protocol, kind == SessionRequest.KindOneofCase.Hello
                    ? "hello sent twice"
                    : "a request with no command after the handshake");
                return null;
            }
            response.Clear();
            try
            {
                switch (kind)
                {
                    case SessionRequest.KindOneofCase.Reset: OnReset(request.Reset); break;
                    case SessionRequest.KindOneofCase.Step: OnStep(request.Step); break;
                    case SessionRequest.KindOneofCase.Render: OnRender(); break;
                    case SessionRequest.KindOneofCase.Call: OnCall(request.Call); break;
                }
            }
            catch (Exception e)
            {
                ErrorCode code;
                string message;
                Classify(e, out code, out message);
                if (code == ErrorCode.Env)
                    RlayLog.Write(LogLevel.Warning, name + ": the env raised during " + kind + ": " + message);
                response.Clear();
                response.Error = new Error { Code = code, Message = message };
            }
            Send(response);
            return true;
        }

        static void Classify(Exception e, out ErrorCode code, out string message)
        {
            message = e.Message;
            CommandException command = e as CommandException;
            if (command != null) code = command.Code;
            else if (e is InvalidValueException || e is UnsupportedSpaceException) code = ErrorCode.InvalidArgument;
            else if (e is UnimplementedException) code = ErrorCode.Unimplemented;
            else
            {
                code = ErrorCode.Env;
                message = e.GetType().Name + ": " + e.Message;
            }
        }

        void OnReset(ResetRequest reset)
        {
            resetArgs.Seeds = null;
            resetArgs.Options = null;
            resetArgs.Mask = null;
            if (reset.Seeds.Count != 0)
            {
                if (reset.Seeds.Count != numEnvs)
                    throw new InvalidValueException("seeds: expected " + numEnvs + " seeds, got " + reset.Seeds.Count);
                resetArgs.Seeds = new ulong?[numEnvs];
                for (int i = 0; i < numEnvs; i++)
                {
                    Seed seed = reset.Seeds[i];
                    resetArgs.Seeds[i] = seed.ChoiceCase == Seed.ChoiceOneofCase.Value ? seed.Value : (ulong?)null;
                }
            }
            if (reset.Options != null && reset.Options.KindCase != Value.KindOneofCase.None)
            {
                if (reset.Options.KindCase != Value.KindOneofCase.MapValue)
                    throw new InvalidValueException("options: expected a map_value, got " + Values.KindName(reset.Options));
                resetArgs.Options = reset.Options;
            }
            if (reset.Mask.Count != 0)
            {
                if (reset.Mask.Count != numEnvs)
                    throw new InvalidValueException("mask: expected " + numEnvs + " entries, got " + reset.Mask.Count);
                resetArgs.Mask = reset.Mask.ToArray();
            }
            if (agents != null)
            {
                response.Reset = agents.Reset((IMultiAgentEnvironment)environment, resetArgs.Seeds == null ? null : resetArgs.Seeds[0], resetArgs.Options);
                hasReset = true;
                return;
            }
            resetResult.Clear();
            environment.Reset(resetArgs, resetResult);
            ResetResponse reply = new ResetResponse
            {
                Observations = ObservationBatch(resetResult.ObservationBatch, resetResult.Observations),
            };
            AddInfos(reply.Infos, resetResult.Infos);
            hasReset = true;
            response.Reset = reply;
        }

        void OnStep(StepRequest step)
        {
            if (agents != null)
            {
                response.Step = agents.Step((IMultiAgentEnvironment)environment, step);
                return;
            }
            if (!hasReset) throw new CommandException(ErrorCode.FailedPrecondition, "step before the first reset");
            Value[] actions = SpaceValues.Unbatch(spec.ActionSpace, step.Actions, numEnvs, "actions");
            stepResult.Clear();
            environment.Step(actions, stepResult);
            StepResponse reply = new StepResponse
            {
                Observations = ObservationBatch(stepResult.ObservationBatch, stepResult.Observations),
            };
            Tensors.Fill(rewards, stepResult.Rewards, numEnvs);
            Tensors.Fill(terminated, stepResult.Terminated, numEnvs);
            Tensors.Fill(truncated, stepResult.Truncated, numEnvs);
            reply.Rewards = rewards;
            reply.Terminated = terminated;
            reply.Truncated = truncated;
            AddInfos(reply.Infos, stepResult.Infos);
            foreach (FinalStep final in stepResult.Finals)
            {
                if (final.Index >= numEnvs)
                    throw new InvalidOperationException("final step index " + final.Index + " is outside the batch");
                SpaceValues.CheckElement(spec.ObservationSpace, final.Observation, "finals[" + final.Index + "].observation", false);
                reply.Finals.Add(final);
            }
            response.Step = reply;
        }

        Value ObservationBatch(Value batch, Value[] elements)
        {
            if (batch != null) return batch;
            for (int i = 0; i < elements.Length; i++)
                if (elements[i] == null)
                    throw new InvalidOperationException("the env gave no observation for sub-environment " + i);
            try
            {
                return SpaceValues.Batch(spec.ObservationSpace, elements, "observations", false);
            }
            catch (InvalidValueException e)
            {
                // A wrong observation is the env's fault, not the agent's.
                throw new InvalidOperationException("the env's observation does not fit its space: " + e.Message);
            }
        }

        internal static void AddInfos(List<Value> target, Value[] infos)
        {
            // An empty list means "every info is empty": the common case costs nothing.
            bool any = false;
            foreach (Value info in infos)
                any |= info != null && !(info.KindCase == Value.KindOneofCase.MapValue && info.MapValue.Entries.Count == 0);
            if (!any) return;
            foreach (Value info in infos) target.Add(info ?? Values.EmptyMap());
        }

        void OnRender()
        {
            Value[] frames = environment.Render();
            RenderResponse reply = new RenderResponse();
            if (frames != null)
                foreach (Value frame in frames) reply.Frames.Add(frame ?? new Value());
            response.Render = reply;
        }

        void OnCall(CallRequest call)
        {
            Value result = environment.Call(call.Name, call.Value);
            response.Call = new CallResponse { Value = result };
        }

        static string KindName(SessionRequest request)
        {
            return request.KindCase == SessionRequest.KindOneofCase.None ? "nothing" : request.KindCase.ToString().ToLowerInvariant();
        }
    }
}
