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
        detail = f"\n--- last lines of its stderr ---\n{stderr_tail}" if stderr_tail else ""
        super().__init__(f"env process {command!r} exited with code {returncode}{detail}")
        self.command = command
        self.returncode = returncode
        self.stderr_tail = stderr_tail
