using System;

namespace Rlay
{
    public enum LogLevel
    {
        Debug = 0,
        Info = 1,
        Warning = 2,
        Error = 3,
    }

    /// <summary>
    /// Where rlay's core writes what happens (refused handshakes, dropped connections). By
    /// default warnings and errors go to standard error; the Unity glue points Sink at Debug.Log.
    /// </summary>
    public static class RlayLog
    {
        static Action<LogLevel, string> sink = DefaultSink;

        public static LogLevel MinimumLevel = LogLevel.Warning;

        public static Action<LogLevel, string> Sink
        {
            get { return sink; }
            set { sink = value ?? DefaultSink; }
        }

        public static void Write(LogLevel level, string message)
        {
            if (level < MinimumLevel) return;
            try
            {
                sink(level, message);
            }
            catch (Exception)
            {
                // A failing log sink must not take a session down.
            }
        }

        static void DefaultSink(LogLevel level, string message)
        {
            Console.Error.WriteLine("rlay " + level.ToString().ToLowerInvariant() + ": " + message);
        }
    }
}
