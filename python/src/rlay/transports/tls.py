"""TLS: the tcp transport's frames inside a TLS stream (``tls://HOST:PORT``, stdlib ``ssl``).

For envs and trainers on different machines: the frames (and the token in the hello)
travel encrypted, and the dialling side checks the listener's certificate and host name.
A listener needs a certificate and its key; a dialler needs the CA that signed it (the
system's CAs by default). With ``require_client_cert`` a listener also wants diallers to
present a certificate signed by its ``cafile`` (mutual TLS)::

    server = TLSOptions(certfile="server.pem", keyfile="server.key")
    client = TLSOptions(cafile="ca.pem")
    host = rlay.serve("CartPole-v1", "tls://0.0.0.0:7000", tls=server, token="s3cret")
    env = rlay.ClientEnv("tls://trainer-box.lan:7000", tls=client, token="s3cret")

Options not given come from the environment: a listener's ``RLAY_TLS_CERT`` and
``RLAY_TLS_KEY``, a dialler's ``RLAY_TLS_CA`` and ``RLAY_TLS_SERVER_NAME``. A failed
handshake raises :class:`~rlay.errors.TLSError` on the dialling side (not retried: an
untrusted certificate stays untrusted); the listener logs it, drops that connection and
keeps serving. A plaintext rlay peer that dials a TLS listener gets an
``UNAUTHENTICATED`` error frame saying so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import ssl
from dataclasses import dataclass, replace
from time import monotonic
from typing import Any

from rlay.address import Address
from rlay.errors import (
    ConnectionClosed,
    FrameTooLarge,
    Timeout,
    TLSError,
)
from rlay.transports.base import FramedConnection, Payload, wait_limit
from rlay.transports.sockets import (
    DEFAULT_SEND_TIMEOUT,
    StreamListener,
    _format_peer,
    bind_tcp,
    dial_tcp,
)
from rlay.v1 import session_pb2
from rlay.wire import DEFAULT_MAX_FRAME_SIZE, HEADER, check_frame_size

__all__ = [
    "TLSConnection",
    "TLSListener",
    "TLSOptions",
    "connect_tls",
    "grpc_channel_credentials",
    "grpc_plaintext_problem",
    "grpc_server_credentials",
    "grpc_tls_problem",
    "listen_tls",
]

logger = logging.getLogger("rlay.transports.tls")

# A TLS connection starts with a handshake record: content type 22, version major 3.
_TLS_RECORD_START = b"\x16\x03"
_CHUNK = 64 * 1024
_MSG_WAITALL = getattr(socket, "MSG_WAITALL", 0)


@dataclass(frozen=True)
class TLSOptions:
    """Certificates for a TLS listener or dialler (PEM files).

    ``certfile``/``keyfile``: this side's certificate chain and key (a listener must have
    them; a dialler presents them to a listener that requires client certificates).
    ``cafile``: the CAs this side trusts to sign the other side's certificate (a dialler
    without it trusts the system's CAs). ``require_client_cert``: a listener accepts only
    diallers with a certificate signed by ``cafile`` (mutual TLS). ``server_hostname``: the
    name the listener's certificate must carry (default: the dialled host).
    ``handshake_timeout`` bounds each handshake.

    >>> TLSOptions(cafile="ca.pem").server_hostname is None
    True
    """

    certfile: str | None = None
    keyfile: str | None = None
    cafile: str | None = None
    server_hostname: str | None = None
    require_client_cert: bool = False
    handshake_timeout: float = 10.0

    @classmethod
    def from_env(cls, base: TLSOptions | None = None, *, listening: bool) -> TLSOptions:
        """``base`` with its unset fields from the environment: a listener's certificate
        from RLAY_TLS_CERT and RLAY_TLS_KEY; a dialler's CA and expected host name from
        RLAY_TLS_CA and RLAY_TLS_SERVER_NAME."""
        base = base or cls()
        env = os.environ
        if listening:
            return replace(
                base,
                certfile=base.certfile or env.get("RLAY_TLS_CERT") or None,
                keyfile=base.keyfile or env.get("RLAY_TLS_KEY") or None,
            )
        return replace(
            base,
            cafile=base.cafile or env.get("RLAY_TLS_CA") or None,
            server_hostname=base.server_hostname or env.get("RLAY_TLS_SERVER_NAME") or None,
        )

    def server_context(self) -> ssl.SSLContext:
        """The context of a listener (checks that a certificate is given)."""
        if not self.certfile:
            raise TLSError(
                "a tls:// listener needs a certificate: pass tls=rlay.TLSOptions(certfile=..., "
                "keyfile=...) or set RLAY_TLS_CERT and RLAY_TLS_KEY"
            )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(self.certfile, self.keyfile)
            if self.require_client_cert:
                if not self.cafile:
                    raise TLSError("require_client_cert needs the CA that signs them (cafile)")
                context.load_verify_locations(self.cafile)
                context.verify_mode = ssl.CERT_REQUIRED
        except (OSError, ssl.SSLError) as error:
            raise TLSError(f"cannot load the TLS certificate files: {error}") from None
        return context

    def client_context(self) -> ssl.SSLContext:
        """The context of a dialler: verifies the listener's certificate and host name."""
        try:
            context = ssl.create_default_context(cafile=self.cafile)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            if self.certfile:
                context.load_cert_chain(self.certfile, self.keyfile)
        except (OSError, ssl.SSLError) as error:
            raise TLSError(f"cannot load the TLS certificate files: {error}") from None
        return context


class TLSConnection(FramedConnection):
    """Frames over a TLS stream. Use it from one thread at a time; ``close()`` may come
    from another thread."""

    def __init__(
        self,
        sock: ssl.SSLSocket,
        description: str,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.description = description
        self.max_frame_size = max_frame_size
        self.send_timeout = send_timeout
        self._sock = sock
        self._buffer = bytearray()
        self._closed = False

    def recv(self, timeout: float | None) -> bytes:
        """Receive one frame within ``timeout`` seconds (``None``: wait forever)."""
        limit = wait_limit(timeout)
        deadline = None if limit is None else monotonic() + limit
        while True:
            if self._failure is not None:
                raise self._failure
            if self._closed:
                raise ConnectionClosed(f"the connection to {self.description} is closed")
            if len(self._buffer) >= HEADER.size:
                (size,) = HEADER.unpack_from(self._buffer)
                if size > self.max_frame_size:
                    raise self._fail(FrameTooLarge(size, self.max_frame_size))
                end = HEADER.size + size
                if len(self._buffer) >= end:
                    frame = bytes(self._buffer[HEADER.size : end])
                    del self._buffer[:end]
                    return frame
            self._read(limit, deadline)

    def _read(self, timeout: float | None, deadline: float | None) -> None:
        remaining = None if deadline is None else deadline - monotonic()
        if remaining is not None and remaining <= 0:
            raise self._timed_out(timeout)
        try:
            self._sock.settimeout(remaining)
            chunk = self._sock.recv(_CHUNK)
        except (TimeoutError, ssl.SSLWantReadError):
            raise self._timed_out(timeout) from None
        except (OSError, ValueError) as error:
            if self._closed:
                raise ConnectionClosed(f"the connection to {self.description} is closed") from None
            raise self._fail(
                ConnectionClosed(f"peer closed the connection ({self.description}): {error}")
            ) from None
        if not chunk:
            raise self._fail(ConnectionClosed(f"peer closed the connection ({self.description})"))
        self._buffer += chunk

    def send(self, payload: Payload) -> None:
        """Send ``payload`` as one frame."""
        if self._closed:
            raise ConnectionClosed(f"the connection to {self.description} is closed")
        size = memoryview(payload).nbytes
        check_frame_size(size, self.max_frame_size)
        try:
            self._sock.settimeout(self.send_timeout)
            self._sock.sendall(HEADER.pack(size) + bytes(payload))
        except TimeoutError:
            self.close()
            raise self._fail(
                Timeout(f"{self.description} did not take a frame within {self.send_timeout} s")
            ) from None
        except (OSError, ValueError) as error:
            raise ConnectionClosed(
                f"peer closed the connection ({self.description}): {error}"
            ) from None

    def close(self) -> None:
        """Close the connection; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def fileno(self) -> int:
        """The socket's file descriptor, e.g. for ``selectors`` (-1 once closed)."""
        return self._sock.fileno()


class _Rejected(Exception):
    """Internal: a connection failed its handshake; the listener waits for the next."""


class TLSListener(StreamListener):
    """A TCP listener whose connections must complete a TLS handshake.

    A connection that fails it (a plaintext client, an untrusted client certificate, a
    port scanner) is logged and dropped; ``accept`` goes on waiting for the next.
    """

    def __init__(self, sock: socket.socket, address: Address, options: TLSOptions, **kw: Any):
        self._context = options.server_context()
        self._handshake_timeout = options.handshake_timeout
        super().__init__(sock, address, **kw)

    def accept(self, timeout: float | None) -> TLSConnection:  # type: ignore[override]
        """Wait up to ``timeout`` seconds for a peer that completes the TLS handshake."""
        limit = wait_limit(timeout)
        deadline = None if limit is None else monotonic() + limit
        while True:
            remaining = None if deadline is None else max(deadline - monotonic(), 0.0)
            try:
                connection = super().accept(remaining)
            except _Rejected:
                continue
            assert isinstance(connection, TLSConnection)
            return connection

    def _wrap(self, sock: socket.socket, peer: object) -> TLSConnection:  # type: ignore[override]
        name = _format_peer(peer)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(self._handshake_timeout)
            if not _starts_tls(sock, self._handshake_timeout):
                logger.warning("%s: %s did not start a TLS handshake; dropped", self.address, name)
                _refuse_plaintext(sock, self.address)
                raise _Rejected
            tls = self._context.wrap_socket(sock, server_side=True)
        except _Rejected:
            sock.close()
            raise
        except (OSError, ssl.SSLError, ValueError) as error:
            logger.warning(
                "%s: TLS handshake with %s failed (%s); dropped", self.address, name, error
            )
            sock.close()
            raise _Rejected from None
        return TLSConnection(
            tls,
            f"tls {name}",
            max_frame_size=self.max_frame_size,
            send_timeout=self.send_timeout,
        )


def _starts_tls(sock: socket.socket, timeout: float) -> bool:
    """True when the first bytes the peer sends are a TLS record (peeked, not consumed)."""
    deadline = monotonic() + timeout
    while True:
        # MSG_WAITALL: wait for both bytes (the socket's timeout bounds the wait).
        head = sock.recv(len(_TLS_RECORD_START), socket.MSG_PEEK | _MSG_WAITALL)
        if len(head) == len(_TLS_RECORD_START) or not head:
            return head == _TLS_RECORD_START
        if monotonic() >= deadline:
            return False


def _refuse_plaintext(sock: socket.socket, address: str) -> None:
    """Tell a plaintext rlay agent, in its own framing, that this listener wants TLS."""
    response = session_pb2.SessionResponse()
    response.error.code = session_pb2.ERROR_CODE_UNAUTHENTICATED
    response.error.message = f"{address} accepts TLS connections only: dial {address}"
    data = response.SerializeToString()
    with contextlib.suppress(OSError):
        sock.sendall(HEADER.pack(len(data)) + data)
        # Read what the peer sent, so that closing sends FIN rather than RST.
        sock.setblocking(False)
        with contextlib.suppress(OSError):
            sock.recv(_CHUNK)


def listen_tls(
    address: Address,
    options: TLSOptions | None = None,
    *,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    backlog: int = 16,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
) -> TLSListener:
    """Listen on ``tls://HOST:PORT``; port 0 picks a free port (see ``.address``)."""
    options = TLSOptions.from_env(options, listening=True)
    options.server_context()  # fail before binding when the certificate is missing
    sock = bind_tcp(address, backlog)
    port = int(sock.getsockname()[1])
    return TLSListener(
        sock,
        address.with_port(port),
        options,
        max_frame_size=max_frame_size,
        send_timeout=send_timeout,
    )


def connect_tls(
    address: Address,
    options: TLSOptions | None = None,
    *,
    timeout: float,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
) -> TLSConnection:
    """Dial ``tls://HOST:PORT`` once and complete the handshake.

    :class:`~rlay.errors.Unreachable` when nothing accepts; :class:`~rlay.errors.TLSError`
    when the handshake fails (untrusted certificate, wrong host name, a plaintext peer).
    """
    tls, peer = _handshake(address, options, timeout, plaintext="tcp://")
    return TLSConnection(
        tls, f"tls {peer}", max_frame_size=max_frame_size, send_timeout=send_timeout
    )


def _handshake(
    address: Address, options: TLSOptions | None, timeout: float, *, plaintext: str
) -> tuple[ssl.SSLSocket, str]:
    """A TCP connection to ``address`` with a completed TLS handshake, or the typed
    error (``plaintext``: the scheme a non-TLS listener there would have)."""
    options = TLSOptions.from_env(options, listening=False)
    context = options.client_context()
    sock, peer = dial_tcp(address, timeout)
    hostname = options.server_hostname or address.host
    try:
        sock.settimeout(options.handshake_timeout)
        return context.wrap_socket(sock, server_hostname=hostname), peer
    except ssl.SSLCertVerificationError as error:
        sock.close()
        raise TLSError(
            f"{address}: the listener's certificate is not trusted for {hostname!r}: "
            f"{error.verify_message or error}"
        ) from None
    except (ssl.SSLError, OSError) as error:
        sock.close()
        if isinstance(error, TimeoutError):
            raise TLSError(
                f"{address}: no TLS handshake within {options.handshake_timeout} s "
                f"(is it a plaintext {plaintext} listener?)"
            ) from None
        raise TLSError(
            f"{address}: the TLS handshake failed ({error}); is it a plaintext {plaintext} "
            "listener?"
        ) from None


# -- gRPC inside TLS (grpcs://): grpc's own credentials, with the same options ----------


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise TLSError(f"cannot load the TLS certificate files: {error}") from None


def grpc_server_credentials(grpc: Any, options: TLSOptions | None) -> Any:
    """grpc's server credentials for a ``grpcs://`` listener (checked as for tls://)."""
    options = TLSOptions.from_env(options, listening=True)
    options.server_context()  # the same checks and messages as a tls:// listener
    assert options.certfile is not None
    certificate = _read(options.certfile)
    key = _read(options.keyfile) if options.keyfile else certificate
    roots = _read(options.cafile) if options.require_client_cert and options.cafile else None
    return grpc.ssl_server_credentials(
        [(key, certificate)],
        root_certificates=roots,
        require_client_auth=options.require_client_cert,
    )


def grpc_channel_credentials(
    grpc: Any, options: TLSOptions | None
) -> tuple[Any, list[tuple[str, str]]]:
    """grpc's channel credentials for dialling ``grpcs://``, and the channel options
    (the expected host name, when given)."""
    options = TLSOptions.from_env(options, listening=False)
    options.client_context()  # the same checks and messages as a tls:// dialler
    certificate = _read(options.certfile) if options.certfile else None
    key = _read(options.keyfile) if options.keyfile else certificate
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read(options.cafile) if options.cafile else None,
        private_key=key,
        certificate_chain=certificate,
    )
    name = options.server_hostname
    return credentials, [("grpc.ssl_target_name_override", name)] if name else []


def grpc_tls_problem(address: Address, options: TLSOptions | None, timeout: float) -> Any:
    """Why a ``grpcs://`` channel does not connect, as a :class:`TLSError` (grpc says only
    that it is unavailable; a handshake of our own tells why); None when TLS is not it."""
    try:
        tls, _ = _handshake(address, options, timeout, plaintext="grpc://")
    except TLSError as error:
        return error
    except (ConnectionClosed, OSError):
        return None  # nothing listens there (yet)
    with contextlib.suppress(OSError):
        tls.close()
    return None


def grpc_plaintext_problem(address: Address, timeout: float) -> Any:
    """A :class:`TLSError` when a ``grpc://`` address is a TLS listener; else None."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only asks whether it speaks TLS at all
    try:
        sock, _ = dial_tcp(address, timeout)
    except (ConnectionClosed, OSError):
        return None
    try:
        sock.settimeout(timeout)
        context.wrap_socket(sock, server_hostname=address.host).close()
    except (ssl.SSLError, OSError):
        return None
    finally:
        sock.close()
    return TLSError(f"{address} is a TLS listener: dial grpcs://{str(address)[len('grpc://') :]}")
