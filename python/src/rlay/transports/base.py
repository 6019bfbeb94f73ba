"""What every transport provides: a Connection carries frames, a Listener hands them out.

A frame is one serialized protobuf message. The agent side sends
``SessionRequest`` frames and receives ``SessionResponse`` frames; the env
side does the reverse. A connection is used by one thread at a time.
"""

from __future__ import annotations

import contextlib
import math
import queue
import sys
from types import TracebackType
from typing import Generic, Literal, Protocol, TypeVar

from rlay.errors import ConnectionClosed, RlayError, Timeout

__all__ = [
    "AcceptQueue",
    "Closable",
    "Connection",
    "Frame",
    "FramedConnection",
    "LargeFrames",
    "Listener",
    "Payload",
    "Side",
    "wait_limit",
]

_C = TypeVar("_C", bound="Closable")
_Conn = TypeVar("_Conn")

#: Who this process is in the session.
Side = Literal["agent", "env"]

#: What ``Connection.send`` accepts: any contiguous bytes.
Payload = bytes | bytearray | memoryview

#: What ``Connection.recv`` returns: the frame, the caller's own (a transport may hand
#: over a large frame in the bytearray it was received into, rather than copy it).
Frame = bytes | bytearray


def wait_limit(timeout: float | None, minimum: float = 0.0) -> float | None:
    """A timeout as the OS wants it: ``None`` (or infinity) waits forever, else ``>= minimum``.

    >>> wait_limit(float("inf")), wait_limit(-1.0), wait_limit(2.5)
    (None, 0.0, 2.5)
    """
    if timeout is None or timeout == math.inf:
        return None
    if math.isnan(timeout):
        raise ValueError("a timeout cannot be NaN")
    return max(float(timeout), minimum)


class Connection(Protocol):
    """One peer, frames both ways.

    >>> connection.send(request.SerializeToString())  # doctest: +SKIP
    >>> response.ParseFromString(connection.recv(timeout=30.0))  # doctest: +SKIP
    """

    #: Human-readable peer, e.g. ``"tcp 127.0.0.1:40312"``.
    description: str

    def send(self, payload: Payload) -> None:
        """Send one frame; :class:`~rlay.errors.ConnectionClosed` if the peer is gone."""
        ...

    def recv(self, timeout: float | None) -> Frame:
        """Receive one frame, waiting at most ``timeout`` seconds (``None``: forever).

        Raises :class:`~rlay.errors.Timeout`, :class:`~rlay.errors.ConnectionClosed`,
        :class:`~rlay.errors.FrameTooLarge` or :class:`~rlay.errors.ProtocolError`.
        """
        ...

    def close(self) -> None:
        """Close the connection; closing twice does nothing."""
        ...


class Listener(Protocol):
    """A bound address that peers dial.

    >>> listener = listen("tcp://127.0.0.1:0", side="env")  # doctest: +SKIP
    >>> connection = listener.accept(timeout=60.0)  # doctest: +SKIP
    """

    #: The bound address with the real port, e.g. ``"tcp://127.0.0.1:40123"``.
    address: str

    def accept(self, timeout: float | None) -> Connection:
        """Wait for the next peer; :class:`~rlay.errors.Timeout` when nobody came.

        Raises :class:`~rlay.errors.ConnectionClosed` once the listener is closed,
        including when ``close()`` is called from another thread during the wait.
        """
        ...

    def close(self) -> None:
        """Stop listening; closing twice does nothing. Accepted connections stay open."""
        ...


class Closable:
    """What every concrete connection and listener shares: ``closed``, ``with``, repr.

    Subclasses set ``_closed`` in ``close()`` and name what they are in
    :meth:`_label` (a connection's description, a listener's address).
    """

    _closed: bool = False
    #: The word repr uses while open: "open" for connections, "listening" for listeners.
    _open_state = "open"

    def close(self) -> None:
        raise NotImplementedError

    def _label(self) -> str:
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called."""
        return self._closed

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else self._open_state
        return f"<{type(self).__name__} {self._label()} {state}>"


class FramedConnection(Closable):
    """What the byte-stream connections (tcp, unix, shm) share on top of Closable."""

    description: str
    #: The first error that ended the stream; later calls raise it again.
    _failure: RlayError | None = None

    def _label(self) -> str:
        return self.description

    def _timed_out(self, timeout: float | None) -> Timeout:
        return Timeout(f"no frame from {self.description} within {timeout} s")

    def _fail(self, error: RlayError) -> RlayError:
        if self._failure is None:
            self._failure = error
        return error


class LargeFrames:
    """The bytearrays a transport receives large frames into, reused once free.

    A frame is the caller's own (see :data:`Frame`): an observation decoded from it
    lives in it. A new 4 MiB bytearray costs a zeroing pass (and fresh pages) as long
    as a copy, so the last ``keep`` buffers are kept and a buffer of the right size is
    handed out again only when nothing else refers to it any more (CPython's reference
    count: every array, view or name that uses its memory holds a reference). A caller
    that keeps its observations gets fresh buffers, exactly as without this::

        >>> frames = LargeFrames()
        >>> first = frames.take(8)
        >>> frames.take(8) is first  # still referred to by ``first``
        False
        >>> del first
        >>> len(frames.take(8))  # one of the two kept ones, free again
        8
    """

    __slots__ = ("_buffers", "_keep")

    def __init__(self, keep: int = 2) -> None:
        self._buffers: list[bytearray] = []
        self._keep = keep

    def take(self, size: int) -> bytearray:
        """A bytearray of ``size`` bytes that nothing else refers to (contents undefined)."""
        buffers = self._buffers
        if _REFCOUNTS:
            for i in range(len(buffers)):
                # Two references: the list's and getrefcount's argument.
                if len(buffers[i]) == size and sys.getrefcount(buffers[i]) == 2:
                    buffer = buffers.pop(i)
                    buffers.append(buffer)
                    return buffer
        buffer = bytearray(size)
        buffers.append(buffer)
        if len(buffers) > self._keep:
            del buffers[0]
        return buffer


# Reference counts tell when a buffer is free only where they are exact: CPython with
# its GIL (a free-threaded build defers and biases them).
_REFCOUNTS = (
    sys.implementation.name == "cpython"
    and hasattr(sys, "getrefcount")
    and getattr(sys, "_is_gil_enabled", lambda: True)()
)


class AcceptQueue(Generic[_Conn]):
    """Connections a listener's own threads took in, waiting for ``accept`` (thread-safe).

    Used by the listeners whose connections arrive in threads of a server library
    (grpc, ws). ``close()`` returns the connections nobody accepted and wakes every
    waiting ``take`` with :class:`~rlay.errors.ConnectionClosed`.

    >>> pending = AcceptQueue("ws://127.0.0.1:5555")
    >>> pending.put("connection")
    >>> pending.take(timeout=1.0)
    'connection'
    >>> pending.close()
    []
    """

    def __init__(self, address: str = "") -> None:
        #: The listener's address, for error messages.
        self.address = address
        self._items: queue.SimpleQueue[_Conn | None] = queue.SimpleQueue()

    def put(self, connection: _Conn) -> None:
        self._items.put(connection)

    def take(self, timeout: float | None) -> _Conn:
        """The next connection within ``timeout`` seconds (``None``: until closed)."""
        try:
            connection = self._items.get(timeout=wait_limit(timeout))
        except queue.Empty:
            raise Timeout(f"nobody connected to {self.address} within {timeout} s") from None
        if connection is None:
            self._items.put(None)  # for any other waiting take
            raise ConnectionClosed(f"the listener on {self.address} is closed")
        return connection

    def close(self) -> list[_Conn]:
        """Wake every waiting ``take``; the connections nobody accepted."""
        unaccepted: list[_Conn] = []
        with contextlib.suppress(queue.Empty):
            while True:
                item = self._items.get_nowait()
                if item is not None:
                    unaccepted.append(item)
        self._items.put(None)
        return unaccepted
