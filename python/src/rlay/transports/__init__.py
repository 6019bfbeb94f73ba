"""Transports: move frames (serialized session messages) between the two sides.

``listen`` binds an address and hands out one :class:`Connection` per peer;
``connect`` dials an address once. The scheme picks the transport: ``tcp://``
and ``unix://`` carry length-prefixed frames on a byte stream (``tls://``: tcp inside
TLS, options in ``tls=``, see :mod:`rlay.transports.tls`), ``grpc://``
carries the same messages on a gRPC stream (needs ``pip install rlay[grpc]``;
``grpcs://`` inside TLS, with the same ``tls=`` options),
``shm://`` passes them through shared memory between processes of one machine,
``ws://`` sends each as one binary WebSocket message (needs ``pip install rlay[ws]``;
the one transport a game in a web browser can dial).

>>> from rlay.transports import connect, listen
>>> listener = listen("tcp://127.0.0.1:0", side="env")
>>> agent = connect(listener.address, side="agent", timeout=5.0)
>>> env = listener.accept(timeout=5.0)
>>> agent.send(b"request")
>>> env.recv(timeout=5.0)
b'request'
>>> for closable in (agent, env, listener):
...     closable.close()

Errors: :class:`~rlay.errors.Unreachable` when a dial finds nobody,
:class:`~rlay.errors.AddressInUse` when a listen finds the address taken,
:class:`~rlay.errors.Timeout`, :class:`~rlay.errors.ConnectionClosed`,
:class:`~rlay.errors.FrameTooLarge` and :class:`~rlay.errors.ProtocolError`
from ``recv``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rlay.address import Address, parse_address
from rlay.errors import RlayError, Unreachable
from rlay.transports.base import Connection, Listener, Payload, Side
from rlay.transports.sockets import (
    DEFAULT_SEND_TIMEOUT,
    StreamConnection,
    StreamListener,
    connect_tcp,
    connect_unix,
    listen_tcp,
    listen_unix,
)
from rlay.wire import DEFAULT_MAX_FRAME_SIZE

if TYPE_CHECKING:
    from rlay.transports.tls import TLSOptions

__all__ = [
    "DEFAULT_SEND_TIMEOUT",
    "SIDES",
    "Connection",
    "Listener",
    "Payload",
    "Side",
    "StreamConnection",
    "StreamListener",
    "Unreachable",
    "connect",
    "listen",
]

SIDES: tuple[Side, ...] = ("agent", "env")


def _check_side(side: str) -> None:
    if side not in SIDES:
        raise RlayError(f"side must be 'agent' or 'env', not {side!r}")


def listen(
    address: str | Address,
    *,
    side: Side,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    backlog: int = 16,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
    tls: TLSOptions | None = None,
) -> Listener:
    """Listen on ``address`` as the ``side`` of the sessions that will come in.

    ``side`` matters only for grpc, where it picks the service: an env side
    serves ``EnvironmentService``, an agent side serves ``AgentService``.

    >>> listener = listen("unix:///tmp/rlay-doc.sock", side="env")  # doctest: +SKIP
    >>> connection = listener.accept(timeout=60.0)  # doctest: +SKIP
    """
    _check_side(side)
    parsed = parse_address(address)
    if parsed.scheme == "tcp":
        return listen_tcp(
            parsed, max_frame_size=max_frame_size, backlog=backlog, send_timeout=send_timeout
        )
    if parsed.scheme == "unix":
        return listen_unix(
            parsed, max_frame_size=max_frame_size, backlog=backlog, send_timeout=send_timeout
        )
    if parsed.scheme == "tls":
        from rlay.transports.tls import listen_tls

        return listen_tls(
            parsed, tls, max_frame_size=max_frame_size, backlog=backlog, send_timeout=send_timeout
        )
    if parsed.scheme == "shm":
        from rlay.transports.shm import listen_shm

        return listen_shm(
            parsed, max_frame_size=max_frame_size, backlog=backlog, send_timeout=send_timeout
        )
    if parsed.scheme in ("ws", "wss"):
        from rlay.transports.ws import listen_ws

        return listen_ws(
            parsed,
            max_frame_size=max_frame_size,
            backlog=backlog,
            send_timeout=send_timeout,
            tls=tls,
        )
    from rlay.transports import grpc as grpc_transport

    return grpc_transport.listen_grpc(parsed, side=side, max_frame_size=max_frame_size, tls=tls)


def connect(
    address: str | Address,
    *,
    side: Side,
    timeout: float,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
    tls: TLSOptions | None = None,
) -> Connection:
    """Dial ``address`` once as the ``side`` of the session.

    Raises :class:`~rlay.errors.Unreachable` (a :class:`~rlay.errors.ConnectionClosed`)
    when nothing accepts within ``timeout`` seconds; retrying is the caller's choice.

    >>> connection = connect("tcp://127.0.0.1:5555", side="agent", timeout=5.0)  # doctest: +SKIP
    """
    _check_side(side)
    parsed = parse_address(address)
    if parsed.scheme == "tcp":
        return connect_tcp(
            parsed, timeout=timeout, max_frame_size=max_frame_size, send_timeout=send_timeout
        )
    if parsed.scheme == "unix":
        return connect_unix(
            parsed, timeout=timeout, max_frame_size=max_frame_size, send_timeout=send_timeout
        )
    if parsed.scheme == "tls":
        from rlay.transports.tls import connect_tls

        return connect_tls(
            parsed, tls, timeout=timeout, max_frame_size=max_frame_size, send_timeout=send_timeout
        )
    if parsed.scheme == "shm":
        from rlay.transports.shm import connect_shm

        return connect_shm(
            parsed, timeout=timeout, max_frame_size=max_frame_size, send_timeout=send_timeout
        )
    if parsed.scheme in ("ws", "wss"):
        from rlay.transports.ws import connect_ws

        return connect_ws(
            parsed,
            timeout=timeout,
            max_frame_size=max_frame_size,
            send_timeout=send_timeout,
            tls=tls,
        )
    from rlay.transports import grpc as grpc_transport

    return grpc_transport.connect_grpc(
        parsed, side=side, timeout=timeout, max_frame_size=max_frame_size, tls=tls
    )
