using System.Diagnostics;

namespace Rlay
{
    /// <summary>A point in time on the monotonic clock, for waits made of several steps.</summary>
    public struct Deadline
    {
        readonly long ticks;
        readonly bool never;

        Deadline(long ticks, bool never)
        {
            this.ticks = ticks;
            this.never = never;
        }

        /// <summary>timeoutMs from now; a negative timeout never expires.</summary>
        public static Deadline After(int timeoutMs)
        {
            if (timeoutMs < 0) return new Deadline(0, true);
            return new Deadline(Stopwatch.GetTimestamp() + timeoutMs * (Stopwatch.Frequency / 1000), false);
        }

        public bool IsInfinite { get { return never; } }

        /// <summary>Milliseconds left (0 when expired, long.MaxValue when infinite).</summary>
        public long RemainingMs
        {
            get
            {
                if (never) return long.MaxValue;
                long left = (ticks - Stopwatch.GetTimestamp()) / (Stopwatch.Frequency / 1000);
                return left < 0 ? 0 : left;
            }
        }

        /// <summary>RemainingMs as a timeout argument: -1 when infinite.</summary>
        public int RemainingTimeoutMs
        {
            get { return never ? -1 : (int)System.Math.Min(RemainingMs, int.MaxValue); }
        }

        public bool Expired { get { return !never && RemainingMs == 0; } }
    }
}
