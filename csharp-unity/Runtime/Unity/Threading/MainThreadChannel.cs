// Engine-independent: no UnityEngine here, so it is unit-tested under plain Mono.
using System;
using System.Collections.Generic;
using System.Threading;

namespace Rlay.Unity
{
    /// <summary>
    /// Hands commands from the network thread to Unity's main thread and the
    /// answers back.
    /// </summary>
    /// <remarks>
    /// Unity's API may only be touched from the main thread, while the
    /// session reads the socket on its own thread. The network thread calls
    /// <see cref="Send"/>, which queues the command and blocks until the main
    /// thread has answered it (or a deadline passes). The main thread picks
    /// commands up with <see cref="Take"/> when the simulation is at a point
    /// where it may handle one (between two decisions), and answers with
    /// <see cref="PendingCommand.Complete"/> — possibly several fixed updates
    /// later, because a step spans <c>decisionPeriod</c> physics steps.
    ///
    /// Neither side can wait forever:
    /// - <see cref="Send"/> gives up after its timeout and marks the command
    ///   abandoned, so a late answer from the main thread is dropped instead
    ///   of being mistaken for the answer to the next command;
    /// - <see cref="Take"/> waits at most its own timeout and returns null,
    ///   so the main thread can check whether the trainer is still there;
    /// - <see cref="Close"/> (the connection ended) wakes both sides at once:
    ///   queued commands fail with <see cref="ChannelClosedException"/> and
    ///   <see cref="Take"/> returns null with <see cref="IsClosed"/> set.
    /// One channel serves one connection; a new trainer gets a new channel.
    /// </remarks>
    public sealed class MainThreadChannel
    {
        readonly object gate = new object();
        readonly Queue<PendingCommand> queue = new Queue<PendingCommand>();
        bool closed;
        string closeReason = "";

        /// <summary>True once <see cref="Close"/> was called.</summary>
        public bool IsClosed
        {
            get { lock (gate) { return closed; } }
        }

        /// <summary>Why the channel was closed, empty while open.</summary>
        public string CloseReason
        {
            get { lock (gate) { return closeReason; } }
        }

        /// <summary>
        /// Network thread: queue <paramref name="request"/> for the main
        /// thread and wait for its answer.
        /// </summary>
        /// <exception cref="ChannelClosedException">The channel closed first.</exception>
        /// <exception cref="Rlay.TimeoutException">No answer within <paramref name="timeout"/>.</exception>
        public object Send(object request, TimeSpan timeout)
        {
            var command = new PendingCommand(request);
            lock (gate)
            {
                if (closed)
                    throw new ChannelClosedException(closeReason);
                queue.Enqueue(command);
                Monitor.PulseAll(gate);
            }
            return command.Wait(timeout);
        }

        /// <summary>
        /// Main thread: the next command, waiting at most <paramref name="wait"/>
        /// (zero: don't wait); null when none came or the channel is closed.
        /// </summary>
        public PendingCommand Take(TimeSpan wait)
        {
            DateTime deadline = DateTime.UtcNow + wait;
            lock (gate)
            {
                while (true)
                {
                    while (queue.Count > 0)
                    {
                        PendingCommand next = queue.Dequeue();
                        // A command whose sender already gave up is skipped.
                        if (next.TryTake())
                            return next;
                    }
                    if (closed)
                        return null;
                    TimeSpan left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                        return null;
                    Monitor.Wait(gate, left);
                }
            }
        }

        /// <summary>
        /// Either thread: no more commands; queued ones fail, waiting
        /// <see cref="Take"/> calls return null. Idempotent; the first reason wins.
        /// </summary>
        public void Close(string reason)
        {
            List<PendingCommand> dropped;
            lock (gate)
            {
                if (closed)
                    return;
                closed = true;
                closeReason = reason ?? "";
                dropped = new List<PendingCommand>(queue);
                queue.Clear();
                Monitor.PulseAll(gate);
            }
            foreach (PendingCommand command in dropped)
                command.Fail(new ChannelClosedException(reason));
        }
    }

    /// <summary>One command travelling from the network thread to the main thread.</summary>
    public sealed class PendingCommand
    {
        const int Queued = 0;
        const int Taken = 1;
        const int Done = 2;
        const int Abandoned = 3;

        readonly object gate = new object();
        int state = Queued;
        object response;
        Exception error;

        internal PendingCommand(object request)
        {
            Request = request;
        }

        /// <summary>What the network thread asked for.</summary>
        public object Request { get; private set; }

        /// <summary>False once the sender gave up; an answer would be dropped.</summary>
        public bool IsWanted
        {
            get { lock (gate) { return state == Taken || state == Queued; } }
        }

        /// <summary>Main thread: answer the command; ignored if the sender gave up.</summary>
        public void Complete(object value)
        {
            Finish(value, null);
        }

        /// <summary>Main thread: answer with an error, rethrown on the network thread.</summary>
        public void Fail(Exception exception)
        {
            Finish(null, exception ?? new InvalidOperationException("command failed"));
        }

        internal bool TryTake()
        {
            lock (gate)
            {
                if (state != Queued)
                    return false;
                state = Taken;
                return true;
            }
        }

        void Finish(object value, Exception exception)
        {
            lock (gate)
            {
                if (state == Done || state == Abandoned)
                    return;
                state = Done;
                response = value;
                error = exception;
                Monitor.PulseAll(gate);
            }
        }

        internal object Wait(TimeSpan timeout)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            lock (gate)
            {
                while (state != Done)
                {
                    TimeSpan left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        bool started = state == Taken;
                        state = Abandoned;
                        throw new Rlay.TimeoutException(started
                            ? "the game did not finish the command within " + timeout.TotalSeconds + " s"
                            : "the game's main thread did not pick the command up within "
                              + timeout.TotalSeconds + " s (is the editor paused or a breakpoint hit?)");
                    }
                    Monitor.Wait(gate, left);
                }
                if (error != null)
                    throw error;
                return response;
            }
        }
    }

    /// <summary>The connection ended while a command was queued or waited for.</summary>
    public sealed class ChannelClosedException : ConnectionClosedException
    {
        public ChannelClosedException(string reason)
            : base(string.IsNullOrEmpty(reason) ? "the connection closed" : "the connection closed: " + reason)
        {
        }
    }
}
