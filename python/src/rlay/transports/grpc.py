"""The gRPC transport: session messages on a bidirectional gRPC stream.

Each stream is one connection. Which service runs depends on who listens:

* an env side that listens serves ``rlay.v1.EnvironmentService/Session``
  (SessionRequest in, SessionResponse out) and the agent side calls it;
* an agent side that listens serves ``rlay.v1.AgentService/Attach`` and the
  env side calls it; there each message is wrapped in field 1 of
  ``AttachRequest``/``AttachResponse``.

Connections hide the difference: ``send``/``recv`` always carry serialized
``SessionRequest``/``SessionResponse`` bytes. Messages cross grpc as raw
bytes (no serializer), so nothing is parsed twice.

>>> from rlay.transports import connect, listen
>>> listener = listen("grpc://127.0.0.1:0", side="env")  # doctest: +SKIP
>>> agent = connect(listener.address, side="agent", timeout=5.0)  # doctest: +SKIP
>>> env = listener.accept(timeout=5.0)  # doctest: +SKIP
"""

from __future__ import annotations

import errno
import math
import queue
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent import futures
from typing import Any

from rlay.address import Address
from rlay.errors import (
    AddressInUse,
    ConnectionClosed,
    FrameTooLarge,
    InvalidAddress,
    ProtocolError,
    RlayError,
    Timeout,
    Unreachable,
)
from rlay.transports import tls as tls_transport
from rlay.transports.base import AcceptQueue, Closable, Payload, Side, wait_limit
from rlay.transports.tls import TLSOptions
from rlay.wire import DEFAULT_MAX_FRAME_SIZE, check_frame_size

__all__ = [
    "AGENT_SERVICE",
    "ENV_SERVICE",
    "GrpcConnection",
    "GrpcListener",
    "connect_grpc",
    "listen_grpc",
    "unwrap_field1",
    "wrap_field1",
]

#: (service, method) an env side serves and an agent side calls.
ENV_SERVICE = ("rlay.v1.EnvironmentService", "Session")
#: (service, method) an agent side serves and an env side calls.
AGENT_SERVICE = ("rlay.v1.AgentService", "Attach")

# grpc counts message sizes in a C int; the wrapper adds at most 11 bytes.
_GRPC_SIZE_LIMIT = 2**31 - 1
_WRAPPER_OVERHEAD = 16
# After close(), how long a dialled stream may take to deliver what is still
# queued before it is cancelled.
_CLOSE_GRACE = 5.0
_MAX_STREAMS = 256
# How long a server waits, when a client's messages end, to learn whether
# the stream was cut or ended in order.
_CUT_STREAM_GRACE = 0.1
# How long close() waits for an idle server to release its port.
_STOP_WAIT = 2.0
# While a channel fails to connect, why is asked (a TLS handshake of our own) this often.
_DIAGNOSE_EVERY = 0.5
_EOF = "peer closed the connection"


def _import_grpc() -> Any:
    try:
        import grpc
    except ImportError:
        raise RlayError(
            "grpc:// addresses need the grpcio package: pip install 'rlay[grpc]'"
        ) from None
    return grpc


# -- wrapping in field 1 ----------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for shift in range(0, 70, 7):
        if pos >= len(data):
            raise ProtocolError("truncated varint in a wrapped message")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
    raise ProtocolError("varint longer than 10 bytes in a wrapped message")


def wrap_field1(payload: Payload) -> bytes:
    """Serialize a message whose only field, number 1, holds the message ``payload``.

    That is ``AttachRequest(response=...)`` or ``AttachResponse(request=...)``
    built from the already serialized inner message, without parsing it.

    >>> wrap_field1(b"\\x08\\x01")
    b'\\n\\x02\\x08\\x01'
    """
    size = memoryview(payload).nbytes
    return b"\x0a" + _varint(size) + payload


def unwrap_field1(data: bytes) -> bytes:
    """The serialized message in field 1 of ``data`` (the inverse of :func:`wrap_field1`).

    Follows protobuf's rules: other fields are skipped, a field 1 that
    occurs more than once is merged (its parts concatenated), and a missing
    one is an empty message.

    >>> unwrap_field1(b"\\n\\x02\\x08\\x01")
    b'\\x08\\x01'
    """
    parts: list[bytes] = []
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _read_varint(data, pos)
        field, wire_type = key >> 3, key & 7
        if field == 0:
            raise ProtocolError("field number 0 in a wrapped message")
        if wire_type == 2:
            length, pos = _read_varint(data, pos)
            if pos + length > end:
                raise ProtocolError("truncated field in a wrapped message")
            if field == 1:
                parts.append(data[pos : pos + length])
            pos += length
        elif field == 1:
            raise ProtocolError(f"field 1 of a wrapped message has wire type {wire_type}")
        elif wire_type == 0:
            _, pos = _read_varint(data, pos)
        elif wire_type in (1, 5):
            pos += 8 if wire_type == 1 else 4
            if pos > end:
                raise ProtocolError("truncated field in a wrapped message")
        else:
            raise ProtocolError(f"unsupported wire type {wire_type} in a wrapped message")
    return parts[0] if len(parts) == 1 else b"".join(parts)


# -- connections ------------------------------------------------------------


class _End:
    """Marks the end of the incoming messages, with the error recv raises from then on."""

    def __init__(self, error: RlayError) -> None:
        self.error = error


class GrpcConnection(Closable):
    """One gRPC stream carrying session messages; use it from one thread at a time."""

    def __init__(self, description: str, *, wrapped: bool, max_frame_size: int) -> None:
        self.description = description
        self.max_frame_size = max_frame_size
        self._wrapped = wrapped
        self._incoming: queue.SimpleQueue[bytes | _End] = queue.SimpleQueue()
        self._outgoing: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._end: _End | None = None
        self._finished = threading.Event()  # the RPC is over
        self._failure: RlayError | None = None  # why the incoming messages ended
        self._closed = False
        self._on_close: list[Any] = []

    def send(self, payload: Payload) -> None:
        """Queue ``payload`` as one message; :class:`ConnectionClosed` once the stream is over."""
        if self._closed:
            raise ConnectionClosed(f"the connection to {self.description} is closed")
        if self._finished.is_set():
            raise self._failure or ConnectionClosed(f"{_EOF} ({self.description})")
        check_frame_size(memoryview(payload).nbytes, self.max_frame_size)
        self._outgoing.put(wrap_field1(payload) if self._wrapped else bytes(payload))

    def recv(self, timeout: float | None) -> bytes:
        """The next message within ``timeout`` seconds (``None``: wait forever)."""
        if self._closed:
            raise ConnectionClosed(f"the connection to {self.description} is closed")
        if self._end is not None:
            raise self._end.error
        try:
            item = self._incoming.get(timeout=wait_limit(timeout))
        except queue.Empty:
            raise Timeout(f"no frame from {self.description} within {timeout} s") from None
        if isinstance(item, _End):
            self._end = item
            raise item.error
        payload = unwrap_field1(item) if self._wrapped else item
        if len(payload) > self.max_frame_size:
            raise FrameTooLarge(len(payload), self.max_frame_size)
        return payload

    def close(self) -> None:
        """End our side of the stream after the queued messages; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        self._outgoing.put(None)
        # Wakes a recv waiting in another thread.
        closed = ConnectionClosed(f"the connection to {self.description} is closed")
        self._incoming.put(_End(closed))
        for callback in self._on_close:
            callback()

    def _label(self) -> str:
        return self.description

    def _outgoing_messages(self) -> Iterator[bytes]:
        """What grpc sends: queued messages until close() or the end of the RPC."""
        while True:
            item = self._outgoing.get()
            if item is None:
                return
            yield item

    def _pump(self, messages: Iterator[bytes], map_error: Any, context: Any = None) -> None:
        """Move incoming messages to the queue recv reads (runs in its own thread).

        ``context`` is the server's view of the RPC, which tells a peer that
        ended its stream in order from a stream that was cut.
        """
        error: RlayError = ConnectionClosed(f"{_EOF} ({self.description})")
        try:
            for message in messages:
                self._incoming.put(message)
            if context is not None:
                # A message grpc refused also ends the iteration quietly; the
                # RPC's termination follows a moment later.
                self._finished.wait(_CUT_STREAM_GRACE)
        except Exception as exception:
            error = map_error(exception)
        if context is not None and not context.is_active():
            error = ConnectionClosed(
                f"{_EOF} ({self.description}): the stream was cut (cancelled by the peer, "
                f"or it sent a message far above the maximum frame size of "
                f"{self.max_frame_size} bytes)"
            )
        self._finish(error)

    def _finish(self, error: RlayError) -> None:
        """The incoming messages ended: wake recv, and end the RPC."""
        self._failure = error
        self._incoming.put(_End(error))
        self._rpc_done()

    def _rpc_done(self) -> None:
        """The RPC is over: let the outgoing iterator end; sends fail from now on.

        recv learns of the end from the pump, which alone knows why.
        """
        self._outgoing.put(None)
        self._finished.set()


def _map_rpc_error(grpc: Any, description: str, max_frame_size: int) -> Any:
    def map_error(exception: Exception) -> RlayError:
        code = getattr(exception, "code", None)
        status = code() if callable(code) else None
        details_method = getattr(exception, "details", None)
        details = str(details_method() if callable(details_method) else exception)
        if status == grpc.StatusCode.RESOURCE_EXHAUSTED and "larger than max" in details:
            if details.startswith("SERVER:"):
                # The server refused what we sent, not the other way round.
                return ConnectionClosed(
                    f"{description} refused a message above its maximum frame size: {details}"
                )
            match = re.search(r"\((\d+) vs\. (\d+)\)", details)
            size = int(match.group(1)) if match else max_frame_size + 1
            return FrameTooLarge(size, max_frame_size)
        if status == grpc.StatusCode.UNIMPLEMENTED:
            return ProtocolError(
                f"{description} does not serve this rlay service ({details}); "
                "are both peers the same side (two agents or two envs)?"
            )
        if status in (None, grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE):
            return ConnectionClosed(f"{_EOF} ({description}): {details}")
        return ConnectionClosed(f"{description} ended the stream with {status}: {details}")

    return map_error


def _grpc_options(max_frame_size: int) -> list[tuple[str, int]]:
    send_limit = min(max_frame_size + _WRAPPER_OVERHEAD, _GRPC_SIZE_LIMIT)
    # grpc receives a message whole before rlay sees it, so the limit cannot
    # be checked before allocation here. Messages up to twice the maximum
    # are let in so that recv raises FrameTooLarge with the real size and the
    # stream goes on; beyond that grpc ends the stream itself.
    receive_limit = min(2 * max_frame_size + _WRAPPER_OVERHEAD, _GRPC_SIZE_LIMIT)
    return [
        ("grpc.max_send_message_length", send_limit),
        ("grpc.max_receive_message_length", receive_limit),
        # A proxy from the environment must not capture loopback traffic.
        ("grpc.enable_http_proxy", 0),
    ]


def _target(address: Address) -> str:
    return str(address)[len(f"{address.scheme}://") :]


# -- dialling ---------------------------------------------------------------


def connect_grpc(
    address: Address,
    *,
    side: Side,
    timeout: float,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    tls: TLSOptions | None = None,
) -> GrpcConnection:
    """Open one stream to ``grpc://HOST:PORT`` (``grpcs://``: inside TLS, options in
    ``tls``); :class:`Unreachable` if no server answers, :class:`TLSError` when TLS is
    why not (an untrusted certificate, a wrong host name, TLS on one side only).

    An agent side calls ``EnvironmentService/Session``, an env side calls
    ``AgentService/Attach``.
    """
    grpc = _import_grpc()
    if address.port == 0:
        raise InvalidAddress(f"{address}: cannot dial port 0")
    options = _grpc_options(max_frame_size)
    if address.scheme == "grpcs":
        credentials, names = tls_transport.grpc_channel_credentials(grpc, tls)
        channel = grpc.secure_channel(_target(address), credentials, options=options + names)
    else:
        channel = grpc.insecure_channel(_target(address), options=options)
    try:
        _wait_ready(grpc, channel, address, tls, timeout)
    except BaseException:
        channel.close()
        raise
    service, method = ENV_SERVICE if side == "agent" else AGENT_SERVICE
    stub = channel.stream_stream(f"/{service}/{method}")
    connection = GrpcConnection(
        f"grpc {_target(address)}", wrapped=side == "env", max_frame_size=max_frame_size
    )
    call = stub(connection._outgoing_messages())
    map_error = _map_rpc_error(grpc, connection.description, max_frame_size)
    pump = threading.Thread(
        target=connection._pump, args=(call, map_error), name="rlay-grpc-recv", daemon=True
    )
    pump.start()
    connection._on_close.append(lambda: _linger(connection, call, channel))
    return connection


def _wait_ready(grpc: Any, channel: Any, address: Address, tls: Any, timeout: float) -> None:
    """Wait for the channel; while it fails, ask a handshake of our own whether TLS is
    the reason, since grpc only says that the server is unavailable."""
    failing = threading.Event()

    def watch(state: Any) -> None:
        if state == grpc.ChannelConnectivity.TRANSIENT_FAILURE:
            failing.set()

    channel.subscribe(watch, try_to_connect=True)
    ready = grpc.channel_ready_future(channel)
    limit = wait_limit(timeout)
    deadline = math.inf if limit is None else time.monotonic() + limit
    try:
        while True:
            left = deadline - time.monotonic()
            try:
                ready.result(timeout=max(0.0, min(left, _DIAGNOSE_EVERY)))
                return
            except grpc.FutureTimeoutError:
                pass
            if failing.is_set():
                failing.clear()
                if address.scheme == "grpcs":
                    problem = tls_transport.grpc_tls_problem(address, tls, max(left, 0.1))
                else:
                    problem = tls_transport.grpc_plaintext_problem(address, max(left, 0.1))
                if problem is not None:
                    raise problem
            if time.monotonic() >= deadline:
                raise Unreachable(f"no gRPC server answered at {address} within {timeout} s")
    finally:
        ready.cancel()
        channel.unsubscribe(watch)


def _linger(connection: GrpcConnection, call: Any, channel: Any) -> None:
    """Let the stream deliver what is queued, then cancel it and close the channel."""

    def finish() -> None:
        connection._finished.wait(_CLOSE_GRACE)
        call.cancel()
        channel.close()

    threading.Thread(target=finish, name="rlay-grpc-close", daemon=True).start()


# -- listening --------------------------------------------------------------


class GrpcListener(Closable):
    """A gRPC server; each incoming stream is one connection handed out by ``accept``.

    ``close()`` refuses new streams at once; the server itself stops (and
    frees its port) when the last accepted connection ends.
    """

    _open_state = "listening"

    def __init__(
        self, address: Address, *, side: Side, max_frame_size: int, tls: TLSOptions | None = None
    ) -> None:
        grpc = _import_grpc()
        # grpcs://: checked before anything starts, so that a bad certificate leaks nothing.
        credentials = (
            tls_transport.grpc_server_credentials(grpc, tls) if address.scheme == "grpcs" else None
        )
        self._grpc = grpc
        self.max_frame_size = max_frame_size
        self._wrapped = side == "agent"
        self._pending: AcceptQueue[GrpcConnection] = AcceptQueue()
        # Reentrant: a signal handler may call close() while this thread is in it.
        self._lock = threading.RLock()
        self._closed = False
        self._stopped = False
        self._active = 0
        service, method = AGENT_SERVICE if side == "agent" else ENV_SERVICE
        handler = grpc.method_handlers_generic_handler(
            service, {method: grpc.stream_stream_rpc_method_handler(self._serve)}
        )
        self._executor = futures.ThreadPoolExecutor(
            max_workers=_MAX_STREAMS, thread_name_prefix="rlay-grpc"
        )
        options = [*_grpc_options(max_frame_size), ("grpc.so_reuseport", 0)]
        self._server = grpc.server(
            self._executor,
            handlers=[handler],
            options=options,
            maximum_concurrent_rpcs=_MAX_STREAMS,
        )
        port = self._bind(address, credentials)
        self._server.start()
        self.address = str(address.with_port(port))
        self._pending.address = self.address

    def _bind(self, address: Address, credentials: Any) -> int:
        try:
            if credentials is None:
                port = int(self._server.add_insecure_port(_target(address)))
            else:
                port = int(self._server.add_secure_port(_target(address), credentials))
        except RuntimeError:
            port = 0
        if port == 0:
            self._executor.shutdown(wait=False)
            raise _diagnose_bind_failure(address)
        return port

    def _serve(self, requests: Iterator[bytes], context: Any) -> Iterator[bytes]:
        """grpc runs this for every incoming stream, in a thread of its own."""
        connection = GrpcConnection(
            f"grpc {_peer(context.peer())}",
            wrapped=self._wrapped,
            max_frame_size=self.max_frame_size,
        )
        with self._lock:
            if self._closed:
                context.abort(self._grpc.StatusCode.UNAVAILABLE, "the listener is closed")
            self._active += 1
            self._pending.put(connection)
        context.add_callback(connection._rpc_done)
        map_error = _map_rpc_error(self._grpc, connection.description, self.max_frame_size)
        threading.Thread(
            target=connection._pump,
            args=(requests, map_error, context),
            name="rlay-grpc-recv",
            daemon=True,
        ).start()
        try:
            yield from connection._outgoing_messages()
        finally:
            self._connection_ended()

    def _connection_ended(self) -> None:
        with self._lock:
            self._active -= 1
            stop = self._closed and self._active == 0
        if stop:
            # In grpc's handler thread, which the server's shutdown may wait for.
            self._stop(wait=False)

    def accept(self, timeout: float | None) -> GrpcConnection:
        """Wait up to ``timeout`` seconds for a stream (``None``: until closed)."""
        if self._closed:
            raise ConnectionClosed(f"the listener on {self.address} is closed")
        return self._pending.take(timeout)

    def close(self) -> None:
        """Refuse new streams; a second call does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            unaccepted = self._pending.close()
            stop = self._active == 0
        for connection in unaccepted:
            connection.close()
        if stop:
            self._stop(wait=True)

    def _stop(self, *, wait: bool) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        stopped = self._server.stop(grace=None)
        if wait:
            # So that the port is free when close() returns.
            stopped.wait(_STOP_WAIT)
        self._executor.shutdown(wait=False)

    def _label(self) -> str:
        return self.address


def _peer(peer: str) -> str:
    """``ipv4:127.0.0.1:5000`` -> ``127.0.0.1:5000``, ``ipv6:%5B::1%5D:5000`` -> ``[::1]:5000``."""
    kind, _, rest = peer.partition(":")
    return urllib.parse.unquote(rest) if kind in ("ipv4", "ipv6") and rest else peer


def _diagnose_bind_failure(address: Address) -> RlayError:
    """grpc only says that binding failed; a plain socket tells why."""
    try:
        infos = socket.getaddrinfo(address.host, address.port, type=socket.SOCK_STREAM)
        family, kind, proto, _, sockaddr = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(sockaddr)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return AddressInUse(f"{address} is already in use by another listener")
        return RlayError(f"cannot listen on {address}: {error}")
    return RlayError(f"cannot listen on {address}: the gRPC server could not bind it")


def listen_grpc(
    address: Address,
    *,
    side: Side,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    tls: TLSOptions | None = None,
) -> GrpcListener:
    """Serve the service of ``side`` on ``grpc://HOST:PORT`` (port 0 picks a free one);
    ``grpcs://`` inside TLS, with the certificate in ``tls`` (or RLAY_TLS_CERT/KEY)."""
    return GrpcListener(address, side=side, max_frame_size=max_frame_size, tls=tls)
