using System;

namespace Rlay
{
    /// <summary>Base class of every error rlay raises; <c>catch (RlayException)</c> catches all.</summary>
    public class RlayException : Exception
    {
        public RlayException(string message) : base(message) { }

        public RlayException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>The peer sent something that is not valid rlay protocol.</summary>
    public class ProtocolException : RlayException
    {
        public ProtocolException(string message) : base(message) { }

        public ProtocolException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>A frame's length prefix exceeds the maximum frame size (raised before allocating).</summary>
    public class FrameTooLargeException : ProtocolException
    {
        public FrameTooLargeException(long size, long limit)
            : base("frame of " + size + " bytes exceeds the maximum frame size of " + limit + " bytes")
        {
            Size = size;
            Limit = limit;
        }

        public long Size { get; private set; }

        public long Limit { get; private set; }
    }

    /// <summary>The peers speak different major versions of the protocol.</summary>
    public class VersionMismatchException : RlayException
    {
        public VersionMismatchException(string message) : base(message) { }
    }

    /// <summary>The token was missing or wrong.</summary>
    public class UnauthenticatedException : RlayException
    {
        public UnauthenticatedException(string message) : base(message) { }
    }

    /// <summary>The peer closed the connection, or died, while we were talking to it.</summary>
    public class ConnectionClosedException : RlayException
    {
        public ConnectionClosedException(string message) : base(message) { }

        public ConnectionClosedException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>A blocking wait ran past its timeout.</summary>
    public class TimeoutException : RlayException
    {
        public TimeoutException(string message) : base(message) { }
    }

    /// <summary>The address to listen on is taken by another process.</summary>
    public class AddressInUseException : RlayException
    {
        public AddressInUseException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>An address string could not be parsed or is not supported here.</summary>
    public class InvalidAddressException : RlayException
    {
        public InvalidAddressException(string message) : base(message) { }
    }

    /// <summary>A space that rlay cannot describe on the wire.</summary>
    public class UnsupportedSpaceException : RlayException
    {
        public UnsupportedSpaceException(string message) : base(message) { }
    }

    /// <summary>
    /// A value does not fit what it is encoded or decoded for (wrong dtype, shape or kind).
    /// Thrown by an environment's Step, it answers the command with ERROR_CODE_INVALID_ARGUMENT.
    /// </summary>
    public class InvalidValueException : RlayException
    {
        public InvalidValueException(string message) : base(message) { }
    }

    /// <summary>
    /// The environment does not support a command or call name; thrown by an environment it
    /// answers the command with ERROR_CODE_UNIMPLEMENTED.
    /// </summary>
    public class UnimplementedException : RlayException
    {
        public UnimplementedException(string message) : base(message) { }
    }

    /// <summary>The peer answered with an error frame.</summary>
    public class RemoteErrorException : RlayException
    {
        public RemoteErrorException(Rlay.Protocol.ErrorCode code, string message)
            : base(code + ": " + message)
        {
            Code = code;
            RemoteMessage = message;
        }

        public Rlay.Protocol.ErrorCode Code { get; private set; }

        public string RemoteMessage { get; private set; }
    }
}
