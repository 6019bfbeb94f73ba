using System;
using System.Collections.Generic;
using System.Threading;
using Rlay.Transports;

namespace Rlay
{
    /// <summary>
    /// Listens for agents (rlay.ClientEnv dials it): every connection is served on its own
    /// thread with its own environment from the factory, so a hostile or idle connection never
    /// blocks the others.
    /// </summary>
    /// <example><code>
    /// using (Server server = new Server(() => new MyEnv(), "tcp://127.0.0.1:5005"))
    /// {
    ///     server.Start();
    ///     Console.WriteLine("listening on " + server.Address);
    ///     ...
    /// }   // Dispose stops listening and closes every session
    /// </code></example>
    public sealed class Server : IDisposable
    {
        readonly Func<IEnvironment> factory;
        readonly EnvSessionOptions options;
        readonly IListener listener;
        readonly List<EnvSession> sessions = new List<EnvSession>();
        readonly List<Thread> threads = new List<Thread>();
        Thread acceptThread;
        volatile bool stopping;

        /// <summary>Binds address at once (port 0: a free port; see <see cref="Address"/>).</summary>
        public Server(Func<IEnvironment> factory, string address = "tcp://127.0.0.1:0", EnvSessionOptions options = null)
        {
            if (factory == null) throw new ArgumentNullException("factory");
            this.factory = factory;
            this.options = options ?? new EnvSessionOptions();
            listener = Transport.Listen(Rlay.Address.Parse(address));
        }

        /// <summary>The bound address, with the real port.</summary>
        public Address Address { get { return listener.Address; } }

        /// <summary>Called (on the session's thread) when a session ends.</summary>
        public event Action<SessionEnd, string> SessionEnded;

        public int ActiveSessions
        {
            get { lock (sessions) return sessions.Count; }
        }

        /// <summary>Starts accepting on a background thread.</summary>
        public void Start()
        {
            if (acceptThread != null) throw new InvalidOperationException("the server is already started");
            acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "rlay accept " + Address };
            acceptThread.Start();
        }

        void AcceptLoop()
        {
            while (!stopping)
            {
                IConnection connection;
                try
                {
                    connection = listener.Accept(500);
                }
                catch (TimeoutException)
                {
                    continue;
                }
                catch (RlayException e)
                {
                    if (!stopping) RlayLog.Write(LogLevel.Error, "accept on " + Address + " failed: " + e.Message);
                    return;
                }
                Thread thread = new Thread(() => Serve(connection)) { IsBackground = true, Name = "rlay session " + connection.PeerAddress };
                lock (sessions)
                {
                    threads.RemoveAll(t => !t.IsAlive);
                    threads.Add(thread);
                }
                thread.Start();
            }
        }

        void Serve(IConnection connection)
        {
            EnvSession session;
            try
            {
                session = new EnvSession(connection, factory(), options);
            }
            catch (Exception e)
            {
                RlayLog.Write(LogLevel.Error, "could not create an environment for " + connection.PeerAddress + ": " + e);
                connection.Close();
                return;
            }
            lock (sessions)
            {
                if (stopping)
                {
                    connection.Close();
                    return;
                }
                sessions.Add(session);
            }
            SessionEnd end = SessionEnd.Lost;
            try
            {
                end = session.Run();
            }
            catch (Exception e)
            {
                RlayLog.Write(LogLevel.Error, "session with " + connection.PeerAddress + " failed: " + e);
            }
            finally
            {
                lock (sessions) sessions.Remove(session);
            }
            Action<SessionEnd, string> handler = SessionEnded;
            if (handler != null) handler(end, session.EndMessage);
        }

        /// <summary>Stops listening, closes every session and waits up to timeoutMs for their threads.</summary>
        public void Stop(int timeoutMs = 5000)
        {
            stopping = true;
            listener.Close();
            EnvSession[] open;
            Thread[] running;
            lock (sessions)
            {
                open = sessions.ToArray();
                running = threads.ToArray();
            }
            foreach (EnvSession session in open) session.Close();
            Deadline deadline = Deadline.After(timeoutMs);
            if (acceptThread != null) acceptThread.Join((int)Math.Min(deadline.RemainingMs, int.MaxValue));
            foreach (Thread thread in running) thread.Join((int)Math.Min(deadline.RemainingMs, int.MaxValue));
        }

        public void Dispose()
        {
            Stop();
        }
    }

    /// <summary>
    /// Drives an environment into an agent that listens (rlay.ServerEnv): connects, retrying
    /// until the address listens or the timeout passes, then serves one session.
    /// </summary>
    /// <example><code>
    /// SessionEnd end = Dialer.Serve(new MyEnv(), Environment.GetEnvironmentVariable("RLAY_ADDRESS"));
    /// </code></example>
    public static class Dialer
    {
        public const int DefaultConnectTimeoutMs = 10000;

        /// <summary>Connects and serves one session on the calling thread; returns how it ended.
        /// Throws <see cref="TimeoutException"/> when nothing listens in time.</summary>
        public static SessionEnd Serve(IEnvironment environment, string address, EnvSessionOptions options = null,
                                       int connectTimeoutMs = DefaultConnectTimeoutMs)
        {
            EnvSession session = Connect(environment, address, options, connectTimeoutMs);
            return session.Run();
        }

        /// <summary>Connects and returns the session, ready to Run (e.g. on a thread of one's own).</summary>
        public static EnvSession Connect(IEnvironment environment, string address, EnvSessionOptions options = null,
                                         int connectTimeoutMs = DefaultConnectTimeoutMs)
        {
            IConnection connection = Transport.Dial(Rlay.Address.Parse(address), connectTimeoutMs);
            return new EnvSession(connection, environment, options);
        }
    }
}
