"""What every transport provides: a Connection carries frames, a Listener hands them out.

A frame is one serialized protobuf message. The agent side sends
``SessionRequest`` frames and receives ``SessionResponse`` frames; the env
side does the reverse. A connection is used by one thread at a time.
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

__all__ = ["Connection", "Listener", "Payload", "Side", "wait_limit"]

#: Who this process is in the session.
Side = Literal["agent", "env"]

#: What ``Connection.send`` accepts: any contiguous bytes.
Payload = bytes | bytearray | memoryview


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

    def recv(self, timeout: float | None) -> bytes:
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
