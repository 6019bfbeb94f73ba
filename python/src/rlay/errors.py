"""Typed errors raised by rlay.

Every failure that crosses the wire or a process boundary is an
:class:`RlayError`, so ``except rlay.RlayError`` catches all of them::

    try:
        env.step(action)
    except rlay.ConnectionClosed as error:
        print("the game went away:", error)
"""

from __future__ import annotations


class RlayError(Exception):
    """Base class of every error rlay raises."""


class ProtocolError(RlayError):
    """The peer sent something that is not valid rlay protocol."""


class FrameTooLarge(ProtocolError):
    """A frame's length prefix exceeds the maximum frame size."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"frame of {size} bytes exceeds the maximum frame size of {limit} bytes")
        self.size = size
        self.limit = limit


def not_rlay(error: ProtocolError) -> ProtocolError:
    """The error for a peer whose first frame is not rlay (an HTTP server, a scanner).

    A length prefix made of printable bytes is shown as text, since it is likely the
    start of another protocol::

        >>> str(not_rlay(FrameTooLarge(0x50545448, 1 << 28)))
        "the peer does not speak rlay: it began with b'HTTP' (read as a frame of 1347703880 bytes)"
    """
    if isinstance(error, FrameTooLarge):
        head = error.size.to_bytes(4, "little") if error.size <= 0xFFFFFFFF else b""
        shown = repr(head) if head and all(32 <= b < 127 for b in head) else f"{head.hex()} (hex)"
        detail = f"it began with {shown} (read as a frame of {error.size} bytes)"
    else:
        detail = str(error)
    return ProtocolError(f"the peer does not speak rlay: {detail}")


class VersionMismatch(RlayError):
    """The peers speak different major versions of the protocol."""


class Unauthenticated(RlayError):
    """The token was missing or wrong."""


class TLSError(RlayError):
    """A TLS handshake failed: an untrusted certificate, a wrong host name, a peer that does
    not speak TLS, or unreadable certificate files."""


class UnsafeListener(RlayError, ValueError):
    """A listener on a non-loopback address without a token (see ``insecure=True``)."""


class CapabilityRequired(RlayError):
    """The env needs a capability the agent side lacks, e.g. a multi-agent env and a
    single-agent ``ClientEnv`` (use ``rlay.ParallelClientEnv``)."""


class ConnectionClosed(RlayError):
    """The peer closed the connection, or died, while we were talking to it."""


class Unreachable(ConnectionClosed):
    """Nothing accepted a connection at the address (refused, no socket file, no answer)."""


class Timeout(RlayError, TimeoutError):
    """A blocking wait ran past its timeout."""


class AddressInUse(RlayError, OSError):
    """The address to listen on is taken by another process."""


class InvalidAddress(RlayError, ValueError):
    """An address string could not be parsed."""


class UnsupportedSpace(RlayError, TypeError):
    """A Gymnasium space that rlay cannot describe on the wire."""


class InvalidValue(RlayError, ValueError):
    """A value does not belong to the space it is encoded or decoded for."""


class RemoteError(RlayError):
    """The peer answered a command with an error.

    ``code`` is the protocol's ``ErrorCode`` name without its prefix (e.g.
    ``"ENV"`` or ``"INVALID_ARGUMENT"``); ``message`` is the peer's text.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ProcessDied(ConnectionClosed):
    """A launched env process exited; carries its exit code and stderr tail."""

    def __init__(self, command: str, returncode: int | None, stderr_tail: str) -> None:
        if returncode is None:  # it never ran: stderr_tail holds the reason
            super().__init__(f"env process {command!r} could not start: {stderr_tail}")
        else:
            detail = f"\n--- last lines of its stderr ---\n{stderr_tail}" if stderr_tail else ""
            super().__init__(f"env process {command!r} exited with code {returncode}{detail}")
        self.command = command
        self.returncode = returncode
        self.stderr_tail = stderr_tail
