"""The WebSocket transport: one binary WebSocket message per rlay frame (``ws://HOST:PORT``).

A game running in a web browser can open no socket but a WebSocket, and can
only dial out, so it reaches a :class:`~rlay.ServerEnv` listening on
``ws://``. Desktop builds and Python peers may use it too. The length prefix
of the stream transports is not needed: WebSocket messages have boundaries.

Built on the ``websockets`` package (``pip install rlay[ws]``), its threaded
API: every accepted connection has a thread of its own, so a client that
never finishes the upgrade, sends garbage, text or an oversized message ends
only its own connection.

>>> from rlay.address import parse_address
>>> listener = listen_ws(parse_address("ws://127.0.0.1:0"))
>>> client = connect_ws(parse_address(listener.address), timeout=5.0)
>>> server = listener.accept(timeout=5.0)
>>> client.send(b"ping")
>>> server.recv(timeout=5.0)
b'ping'
>>> for closable in (client, server, listener):
...     closable.close()
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from time import monotonic
from typing import Any

from rlay.address import Address
from rlay.errors import (
    ConnectionClosed,
    FrameTooLarge,
    InvalidAddress,
    ProtocolError,
    RlayError,
    Timeout,
    TLSError,
    Unreachable,
)
from rlay.transports.base import AcceptQueue, Closable, FramedConnection, Payload, wait_limit
from rlay.transports.sockets import DEFAULT_SEND_TIMEOUT, bind_tcp, dial_tcp, set_send_timeout
from rlay.transports.tls import TLSOptions
from rlay.wire import DEFAULT_MAX_FRAME_SIZE, check_frame_size

__all__ = ["OPEN_TIMEOUT", "WsConnection", "WsListener", "connect_ws", "listen_ws"]

#: Seconds a client has to complete the WebSocket upgrade after connecting.
OPEN_TIMEOUT = 10.0
# Seconds a closing handshake may take before the socket is simply closed.
_CLOSE_TIMEOUT = 2.0
# Longest single wait of recv (see there why it waits in slices).
_SLICE = 0.25
# Seconds close() waits for the accept loop to let go of the port.
_STOP_WAIT = 5.0
# Close codes of RFC 6455 this module sends or recognises.
_UNSUPPORTED_DATA = 1003
_MESSAGE_TOO_BIG = 1009

_EOF = "peer closed the connection"
# websockets logs every failed upgrade (port scanners, garbage) at ERROR; the
# failure already ends that one connection, so it is kept out of the user's log.
_LOGGER = logging.getLogger("rlay.transports.ws")
_LOGGER.addHandler(logging.NullHandler())
_LOGGER.propagate = False


def _import_websockets() -> Any:
    try:
        import websockets.exceptions
        import websockets.sync.client
        import websockets.sync.server
    except ImportError:
        raise RlayError(
            "ws:// addresses need the websockets package: pip install 'rlay[ws]'"
        ) from None
    return websockets


class WsConnection(FramedConnection):
    """Frames as binary WebSocket messages; use it from one thread at a time.

    ``close()`` may come from another thread; a ``recv`` waiting in it then
    raises :class:`ConnectionClosed`.
    """

    def __init__(
        self,
        websocket: Any,
        description: str,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.description = description
        self.max_frame_size = max_frame_size
        self._ws = websocket
        self._errors = _import_websockets().exceptions
        self._closed = False
        self._done = threading.Event()  # set by close(): the server's handler may return
        self._send_timeout: float | None = None
        self.send_timeout = send_timeout

    @property
    def send_timeout(self) -> float | None:
        """Seconds ``send`` waits for a peer that does not read (``None``: forever)."""
        return self._send_timeout

    @send_timeout.setter
    def send_timeout(self, value: float | None) -> None:
        self._send_timeout = wait_limit(value)
        # Only sends wait on this: websockets receives in a thread of its own.
        set_send_timeout(self._ws.socket, self._send_timeout)

    def recv(self, timeout: float | None) -> bytes:
        """The next binary message within ``timeout`` seconds (``None``: wait forever).

        >>> connection.recv(timeout=5.0)  # doctest: +SKIP
        b'...'
        """
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise ConnectionClosed(f"the connection to {self.description} is closed")
        limit = wait_limit(timeout)
        deadline = None if limit is None else monotonic() + limit
        while True:
            # In slices: after websockets fails a connection (an oversized or
            # broken frame) it waits for the peer's close frame with no
            # deadline of its own; a hostile peer never sends it.
            remaining = _SLICE if deadline is None else min(deadline - monotonic(), _SLICE)
            try:
                # decode=None: binary stays bytes (no copy); text comes as str, and is refused.
                message = self._ws.recv(timeout=max(remaining, 0.0))
                break
            except TimeoutError:
                sent = self._ws.protocol.close_sent
                if sent is not None:
                    self._ws.close_socket()
                    raise self._closed_error(self._ws.protocol.close_exc) from None
                if deadline is not None and monotonic() >= deadline:
                    raise self._timed_out(timeout) from None
            except self._errors.ConnectionClosed as closed:
                raise self._closed_error(closed) from None
        if isinstance(message, str):
            self._ws.close(_UNSUPPORTED_DATA, "rlay sends binary messages only")
            raise self._fail(
                ProtocolError(f"{self.description} sent a text message; rlay frames are binary")
            )
        return message  # type: ignore[no-any-return]

    def _closed_error(self, closed: Any) -> RlayError:
        if self._closed:
            return ConnectionClosed(f"the connection to {self.description} is closed")
        sent = getattr(closed, "sent", None)
        if sent is not None and sent.code == _MESSAGE_TOO_BIG:
            size = _oversized(closed, self.max_frame_size)
            return self._fail(FrameTooLarge(size, self.max_frame_size))
        received = getattr(closed, "rcvd", None)
        if received is not None and received.code == _MESSAGE_TOO_BIG:
            return self._fail(
                ConnectionClosed(
                    f"{self.description} refused a message above its maximum frame size"
                )
            )
        if sent is not None and sent.code == 1002:
            return self._fail(
                ProtocolError(f"{self.description} broke the WebSocket protocol: {sent.reason}")
            )
        return self._fail(ConnectionClosed(f"{_EOF} ({self.description})"))

    def send(self, payload: Payload) -> None:
        """Send ``payload`` as one binary message.

        >>> connection.send(b"\\x0a\\x00")  # doctest: +SKIP
        """
        if self._closed:
            raise ConnectionClosed(f"the connection to {self.description} is closed")
        data = payload if type(payload) is bytes else memoryview(payload).cast("B")
        check_frame_size(len(data), self.max_frame_size)
        started = monotonic()
        try:
            self._ws.send(data, text=False)
        except self._errors.ConnectionClosed:
            if self._closed:
                raise ConnectionClosed(f"the connection to {self.description} is closed") from None
            if self._send_timeout is not None and monotonic() - started >= self._send_timeout:
                self.close()
                raise self._fail(
                    Timeout(
                        f"{self.description} did not take a frame of {len(data)} bytes within "
                        f"{self._send_timeout} s; the connection is closed"
                    )
                ) from None
            raise ConnectionClosed(f"{_EOF} ({self.description})") from None

    def close(self) -> None:
        """Close the connection (a normal WebSocket close); a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self._ws.close()
        self._done.set()


def _oversized(closed: Any, limit: int) -> int:
    """The size of the refused message, as far as websockets tells it."""
    cause = closed.__cause__
    for name in ("size", "current_size"):
        value = getattr(cause, name, None)
        if isinstance(value, int) and value > limit:
            return value
    return limit + 1


class WsListener(Closable):
    """A WebSocket server; each upgraded connection is handed out by ``accept``.

    ``close()`` stops accepting at once and frees the port; accepted
    connections stay open.
    """

    _open_state = "listening"

    def __init__(
        self,
        sock: socket.socket,
        address: Address,
        *,
        max_frame_size: int,
        send_timeout: float | None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        websockets = _import_websockets()
        self.address = str(address)
        self._scheme = address.scheme
        self.max_frame_size = max_frame_size
        self._send_timeout = send_timeout
        self._pending: AcceptQueue[WsConnection] = AcceptQueue(self.address)
        self._lock = threading.RLock()
        self._closed = False
        self._server = websockets.sync.server.serve(
            self._serve,
            sock=sock,
            compression=None,
            open_timeout=OPEN_TIMEOUT,
            ping_interval=None,  # liveness is the session's timeouts, as on every transport
            close_timeout=_CLOSE_TIMEOUT,
            max_size=max_frame_size,
            max_queue=4,
            logger=_LOGGER,
            ssl=ssl_context,  # wss: each connection's TLS handshake runs in its own thread
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="rlay-ws-accept", daemon=True
        )
        self._thread.start()

    def _serve(self, websocket: Any) -> None:
        """websockets runs this, in a thread of its own, for every upgraded connection."""
        websocket.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        host, port = websocket.remote_address[:2]
        peer = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        connection = WsConnection(
            websocket,
            f"{self._scheme} {peer}",
            max_frame_size=self.max_frame_size,
            send_timeout=self._send_timeout,
        )
        with self._lock:
            if self._closed:
                connection.close()
                return
            self._pending.put(connection)
        # Returning would close the connection: it lives until its owner closes it.
        connection._done.wait()

    def accept(self, timeout: float | None) -> WsConnection:
        """Wait up to ``timeout`` seconds for an upgraded connection (``None``: until closed)."""
        if self._closed:
            raise ConnectionClosed(f"the listener on {self.address} is closed")
        return self._pending.take(timeout)

    def close(self) -> None:
        """Stop listening and free the port; a second call does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            unaccepted = self._pending.close()
        for connection in unaccepted:
            connection.close()
        # The port is free when close() returns, however busy the machine is.
        with contextlib.suppress(OSError):
            self._server.socket.close()
        # shutdown() wakes the accept loop, then waits for every connection it
        # handed out to end: that wait runs in the background.
        threading.Thread(
            target=self._server.shutdown,
            kwargs={"close_connections": False},
            name="rlay-ws-close",
            daemon=True,
        ).start()
        # The accept loop ends once the socket is closed: the port is free then.
        self._thread.join(_STOP_WAIT)

    def _label(self) -> str:
        return self.address


def listen_ws(
    address: Address,
    *,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    backlog: int = 16,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
    tls: TLSOptions | None = None,
) -> WsListener:
    """Serve WebSocket upgrades on ``ws://HOST:PORT`` (``wss://``: inside TLS, with the
    certificate of ``tls``, see :mod:`rlay.transports.tls`); port 0 picks a free port."""
    _import_websockets()
    context = None
    if address.scheme == "wss":
        context = TLSOptions.from_env(tls, listening=True).server_context()
    sock = bind_tcp(address, backlog)
    port = int(sock.getsockname()[1])
    return WsListener(
        sock,
        address.with_port(port),
        max_frame_size=max_frame_size,
        send_timeout=send_timeout,
        ssl_context=context,
    )


def connect_ws(
    address: Address,
    *,
    timeout: float,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
    tls: TLSOptions | None = None,
) -> WsConnection:
    """Dial ``ws://HOST:PORT`` once and upgrade; :class:`Unreachable` when nothing accepts.

    ``wss://`` checks the listener's certificate and host name first (``tls``, see
    :mod:`rlay.transports.tls`); a failed TLS handshake raises :class:`TLSError`.
    """
    websockets = _import_websockets()
    if address.port == 0:
        raise InvalidAddress(f"{address}: cannot dial port 0")
    secure: dict[str, Any] = {}
    if address.scheme == "wss":
        options = TLSOptions.from_env(tls, listening=False)
        secure = {
            "ssl": options.client_context(),
            "server_hostname": options.server_hostname or address.host,
        }
    started = monotonic()
    sock, peer = dial_tcp(address, timeout)
    limit = wait_limit(timeout, 1e-3)
    remaining = None if limit is None else max(limit - (monotonic() - started), 1e-3)
    host = f"[{address.host}]" if ":" in address.host else address.host
    try:
        websocket = websockets.sync.client.connect(
            f"{address.scheme}://{host}:{address.port}/",
            sock=sock,
            compression=None,
            proxy=None,
            open_timeout=remaining,
            ping_interval=None,
            close_timeout=_CLOSE_TIMEOUT,
            max_size=max_frame_size,
            max_queue=4,
            user_agent_header="rlay",
            legacy=True,  # the connection outlives this call; close() ends it
            logger=_LOGGER,
            **secure,
        )
    except ssl.SSLCertVerificationError as error:
        sock.close()
        raise TLSError(
            f"{address}: the listener's certificate is not trusted for "
            f"{secure['server_hostname']!r}: {error.verify_message or error}"
        ) from None
    except ssl.SSLError as error:
        sock.close()
        raise TLSError(
            f"{address}: the TLS handshake failed ({error}); is it a plaintext ws:// listener?"
        ) from None
    except TimeoutError:
        sock.close()
        raise Unreachable(f"{address} did not complete the WebSocket upgrade in time") from None
    except (OSError, websockets.exceptions.WebSocketException) as error:
        sock.close()
        raise Unreachable(f"{address} refused the WebSocket upgrade: {error}") from None
    return WsConnection(
        websocket,
        f"{address.scheme} {peer}",
        max_frame_size=max_frame_size,
        send_timeout=send_timeout,
    )
