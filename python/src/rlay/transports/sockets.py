"""The stream transports: frames over TCP and Unix domain sockets.

Both share one implementation; only how a socket is bound or dialled differs.

>>> from rlay.address import parse_address
>>> listener = listen_tcp(parse_address("tcp://127.0.0.1:0"))
>>> client = connect_tcp(parse_address(listener.address), timeout=5.0)
>>> server = listener.accept(timeout=5.0)
>>> client.send(b"ping")
>>> server.recv(timeout=5.0)
b'ping'
>>> for closable in (client, server, listener):
...     closable.close()
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import socket
import stat
import struct
import sys
import threading
from collections.abc import Sequence
from time import monotonic

from rlay.address import Address
from rlay.errors import (
    AddressInUse,
    ConnectionClosed,
    FrameTooLarge,
    InvalidAddress,
    RlayError,
    Timeout,
    Unreachable,
)
from rlay.transports.base import (
    Closable,
    Frame,
    FramedConnection,
    LargeFrames,
    Payload,
    wait_limit,
)
from rlay.wire import DEFAULT_MAX_FRAME_SIZE, HEADER, check_frame_size

__all__ = [
    "DEFAULT_SEND_TIMEOUT",
    "StreamConnection",
    "StreamListener",
    "bind_tcp",
    "connect_tcp",
    "connect_unix",
    "dial_tcp",
    "listen_tcp",
    "listen_unix",
    "set_send_timeout",
]

#: How long ``send`` may wait for a peer that stops reading before giving up.
DEFAULT_SEND_TIMEOUT = 120.0

# Receive buffer: small frames arrive whole in one recv_into; frames up to
# _KEEP_BUFFER grow it for good, larger ones get a buffer of their own size
# that is dropped after use so one huge frame does not pin its memory.
_BUFFER_SIZE = 64 * 1024
_KEEP_BUFFER = 1024 * 1024
# Payloads from this size go out with sendmsg([header, payload]) instead of
# being copied behind their header.
_SCATTER_MIN = 16 * 1024

_EOF = "peer closed the connection"
_EOF_MID_FRAME = "peer closed the connection in the middle of a frame"

_HEADER_SIZE = HEADER.size
_unpack_header = HEADER.unpack_from
_pack_header = HEADER.pack

# On POSIX systems the kernel enforces receive and send timeouts
# (SO_RCVTIMEO/SO_SNDTIMEO) on a blocking socket, so a recv with a timeout
# costs one system call. Python's own socket timeouts poll() before every
# recv; they are the fallback elsewhere (on Windows a timed-out blocking
# receive leaves the socket in an undefined state).
_KERNEL_TIMEOUTS = sys.platform != "win32" and hasattr(socket, "SO_RCVTIMEO")
_TIMEVAL = struct.Struct("@ll")
_HAS_SENDMSG = hasattr(socket.socket, "sendmsg")
_MSG_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)
_UNSET = -2.0  # a timeout value no caller can have asked for


def set_send_timeout(sock: socket.socket, timeout: float | None) -> None:
    """Bound only the sends of a blocking socket (SO_SNDTIMEO); receives are unaffected.

    Where the OS has no such option, sends are not bounded.
    """
    if _KERNEL_TIMEOUTS:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(timeout))


def _timeval(timeout: float | None) -> bytes:
    if timeout is None:
        return _TIMEVAL.pack(0, 0)  # zero means "wait forever" to the kernel
    seconds, fraction = divmod(max(timeout, 0.0), 1.0)
    # A zero timeval would mean forever: the shortest wait is one microsecond.
    return _TIMEVAL.pack(int(seconds), max(int(fraction * 1e6), 0 if seconds else 1))


class StreamConnection(FramedConnection):
    """Frames over a connected stream socket (TCP or Unix).

    Use it from one thread at a time. ``close()`` may come from another
    thread; a ``recv`` blocked in it then raises :class:`ConnectionClosed`.
    """

    def __init__(
        self,
        sock: socket.socket,
        description: str,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.description = description
        self.max_frame_size = max_frame_size
        self._sock = sock
        self._buffer = bytearray(_BUFFER_SIZE)
        self._view = memoryview(self._buffer)
        self._large = LargeFrames()
        self._start = 0  # buffered bytes are _buffer[_start:_end]
        self._end = 0
        self._closed = False
        # Once the stream cannot go on (EOF, oversized prefix, half-sent
        # frame), every later call raises this again.
        self._failure: RlayError | None = None
        self._kernel_timeouts = _KERNEL_TIMEOUTS
        self._timeout: float | None = _UNSET  # the timeout the socket has now
        sock.settimeout(None)
        self._send_timeout: float | None = None
        self.send_timeout = send_timeout

    # -- timeouts ---------------------------------------------------------

    @property
    def send_timeout(self) -> float | None:
        """Seconds ``send`` waits for a peer that does not read (``None``: forever)."""
        return self._send_timeout

    @send_timeout.setter
    def send_timeout(self, value: float | None) -> None:
        value = wait_limit(value)
        self._send_timeout = value
        if self._kernel_timeouts:
            try:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(value))
                return
            except OSError:
                self._kernel_timeouts = False
                self._timeout = _UNSET
                self._sock.settimeout(None)

    def _use_timeout(self, timeout: float | None) -> None:
        """Make the next receive wait at most ``timeout`` (only calls the OS on a change).

        ``timeout`` went through :func:`wait_limit` (no infinity, no negatives).
        """
        if timeout == self._timeout:
            return
        if self._kernel_timeouts:
            try:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(timeout))
            except OSError as error:
                closed = ConnectionClosed(f"{_EOF} ({self.description}): {error}")
                raise self._fail(closed) from None
        else:
            self._sock.settimeout(timeout if timeout is None else max(timeout, 1e-6))
        self._timeout = timeout

    # -- receiving --------------------------------------------------------

    def recv(self, timeout: float | None) -> Frame:
        """Receive one frame within ``timeout`` seconds (``None``: wait forever).

        >>> connection.recv(timeout=5.0)  # doctest: +SKIP
        b'...'
        """
        size = self._buffered_frame_size()
        if size >= 0 and self._end - self._start >= _HEADER_SIZE + size:
            return self._take(size)
        return self._recv_more(timeout, size)

    def _recv_more(self, timeout: float | None, size: int) -> Frame:
        timeout = wait_limit(timeout)
        deadline = None if timeout is None else monotonic() + timeout
        first = True
        while size < 0:
            self._read(timeout, deadline, first)
            first = False
            size = self._buffered_frame_size()
        frame: Frame
        if size > _KEEP_BUFFER:
            frame = self._recv_own(size, timeout, deadline, first)
        else:
            total = _HEADER_SIZE + size
            self._make_room(total)
            while self._end - self._start < total:
                self._read(timeout, deadline, first)
                first = False
            frame = self._take(size)
        return frame

    def _recv_own(
        self, size: int, timeout: float | None, deadline: float | None, first: bool
    ) -> bytearray:
        """Receive a frame larger than the kept buffer straight into a buffer of its own,
        which becomes the frame: no copy after the kernel's."""
        frame = self._large.take(size)
        start = self._start + _HEADER_SIZE
        got = min(self._end - start, size)
        frame[:got] = self._view[start : start + got]
        self._start = start + got
        if self._start == self._end:
            self._start = self._end = 0
        with memoryview(frame) as view:
            while got < size:
                got += self._read_into(view[got:], timeout, deadline, first, mid_frame=True)
                first = False
        return frame

    def _buffered_frame_size(self) -> int:
        """The length of the next frame if its header is buffered, else -1."""
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise ConnectionClosed(f"the connection to {self.description} is closed")
        if self._end - self._start < _HEADER_SIZE:
            return -1
        (size,) = _unpack_header(self._buffer, self._start)
        if size > self.max_frame_size:
            # Refused before a byte of the body is read or allocated.
            raise self._fail(FrameTooLarge(size, self.max_frame_size))
        return int(size)

    def _take(self, size: int) -> bytes:
        start = self._start + _HEADER_SIZE
        frame = bytes(self._view[start : start + size])
        self._start = start + size
        if self._start == self._end:
            self._start = self._end = 0
            if len(self._buffer) > _KEEP_BUFFER:
                self._set_buffer(bytearray(_BUFFER_SIZE))
        return frame

    def _make_room(self, total: int) -> None:
        """Ensure the buffer can hold ``total`` bytes from ``_start`` on."""
        capacity = len(self._buffer)
        if self._start + total <= capacity:
            return
        pending = self._end - self._start
        if total <= capacity:
            # bytes(): the source and destination overlap.
            self._buffer[:pending] = bytes(self._view[self._start : self._end])
        else:
            size = total if total > _KEEP_BUFFER else max(total, min(2 * capacity, _KEEP_BUFFER))
            buffer = bytearray(size)
            buffer[:pending] = self._view[self._start : self._end]
            self._set_buffer(buffer)
        self._start, self._end = 0, pending

    def _set_buffer(self, buffer: bytearray) -> None:
        self._view.release()
        self._buffer = buffer
        self._view = memoryview(buffer)

    def _read(self, timeout: float | None, deadline: float | None, first: bool) -> None:
        """One recv_into into the free end of the buffer."""
        self._end += self._read_into(self._view[self._end :], timeout, deadline, first)

    def _read_into(
        self,
        view: memoryview,
        timeout: float | None,
        deadline: float | None,
        first: bool,
        mid_frame: bool = False,
    ) -> int:
        """One recv_into ``view`` within the deadline; the count, never 0."""
        if deadline is None or first:
            self._use_timeout(timeout)
        else:
            remaining = deadline - monotonic()
            if remaining <= 0:
                raise self._timed_out(timeout)
            self._use_timeout(remaining)
        try:
            count = self._sock.recv_into(view)
        except (BlockingIOError, TimeoutError):
            raise self._timed_out(timeout) from None
        except OSError as error:
            if self._closed:
                raise ConnectionClosed(f"the connection to {self.description} is closed") from None
            raise self._fail(ConnectionClosed(f"{_EOF} ({self.description}): {error}")) from None
        if count == 0:
            if self._closed:
                raise ConnectionClosed(f"the connection to {self.description} is closed")
            reason = _EOF_MID_FRAME if mid_frame or self._end > self._start else _EOF
            raise self._fail(ConnectionClosed(f"{reason} ({self.description})"))
        return count

    # -- sending ----------------------------------------------------------

    def send(self, payload: Payload) -> None:
        """Send ``payload`` as one frame.

        >>> connection.send(b"\\x0a\\x00")  # doctest: +SKIP
        """
        if self._closed:
            raise ConnectionClosed(f"the connection to {self.description} is closed")
        size = len(payload) if type(payload) is bytes else memoryview(payload).nbytes
        check_frame_size(size, self.max_frame_size)
        header = _pack_header(size)
        if size < _SCATTER_MIN:
            self._transmit([header + payload], size)
        else:
            self._transmit([header, payload], size)

    def send_parts(self, parts: Sequence[Payload]) -> None:
        """Send the concatenation of ``parts`` as one frame, in one system call: a large
        part (an observation array's memory) is gathered by the kernel, not joined first.

        >>> connection.send_parts([b"\\x0a", memoryview(b"\\x00")])  # doctest: +SKIP
        """
        if self._closed:
            raise ConnectionClosed(f"the connection to {self.description} is closed")
        views = [p if type(p) is bytes else memoryview(p).cast("B") for p in parts]
        size = sum(map(len, views))
        check_frame_size(size, self.max_frame_size)
        header = _pack_header(size)
        if size < _SCATTER_MIN:
            self._transmit([b"".join([header, *views])], size)
        else:
            self._transmit([header, *views], size)

    def _transmit(self, chunks: list[Payload], size: int) -> None:
        """Send the chunks of one frame (header included) within the send timeout."""
        if not self._kernel_timeouts:
            self._use_timeout(self._send_timeout)
        started = monotonic()
        try:
            if len(chunks) == 1:
                frame = chunks[0]
                sent = self._sock.send(frame)
                if sent < len(frame):
                    self._send_rest([memoryview(frame)[sent:]], started)
            else:
                views = [memoryview(chunk).cast("B") for chunk in chunks]
                sent = self._sock.sendmsg(views) if _HAS_SENDMSG else 0
                if sent < _HEADER_SIZE + size:
                    self._send_rest(_unsent(views, sent), started)
        except (BlockingIOError, TimeoutError):
            # Part of the frame may be out: the stream cannot carry another.
            self.close()
            raise self._fail(
                Timeout(
                    f"{self.description} did not take a frame of {size} bytes within "
                    f"{self._send_timeout} s; the connection is closed"
                )
            ) from None
        except OSError as error:
            # Not recorded as a failure: a frame the peer sent before it went
            # away (e.g. an error) may still be waiting to be received.
            if self._closed:
                raise ConnectionClosed(f"the connection to {self.description} is closed") from None
            raise ConnectionClosed(f"{_EOF} ({self.description}): {error}") from None

    def _send_rest(self, parts: list[memoryview], started: float) -> None:
        """Finish a send the first system call did not complete, within the send timeout.

        A blocking send that times out after sending part returns the part, so
        each call may wait a full SO_SNDTIMEO; the remaining time is set
        before each call to bound the whole frame instead.
        """
        deadline = None if self._send_timeout is None else started + self._send_timeout
        try:
            for part in parts:
                while part:
                    if deadline is not None and self._kernel_timeouts:
                        remaining = deadline - monotonic()
                        if remaining <= 0:
                            raise TimeoutError
                        self._sock.setsockopt(
                            socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(remaining)
                        )
                    part = part[self._sock.send(part) :]
        finally:
            if deadline is not None and self._kernel_timeouts and not self._closed:
                self._sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(self._send_timeout)
                )

    # -- closing ----------------------------------------------------------

    def close(self) -> None:
        """Close the connection; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        sock = self._sock
        self._drain()
        # shutdown wakes a recv blocked in another thread, which close() alone
        # does not do on Linux.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _drain(self) -> None:
        """Read what already arrived so that closing sends FIN, not RST.

        A TCP socket closed with unread data resets the connection, which can
        destroy the last frame we sent (e.g. an error frame) before the peer
        reads it.
        """
        if not _MSG_DONTWAIT:
            return
        try:
            for _ in range(64):
                # Not into our buffer: a recv in another thread may be using it.
                if not self._sock.recv(_BUFFER_SIZE, _MSG_DONTWAIT):
                    return
        except OSError:
            return

    def fileno(self) -> int:
        """The socket's file descriptor, e.g. for ``selectors`` (-1 once closed)."""
        return self._sock.fileno()


class StreamListener(Closable):
    """A listening TCP or Unix socket.

    ``accept`` may run in a loop in one thread while ``close()`` comes from
    another thread or a signal handler: the waiting ``accept`` then raises
    :class:`ConnectionClosed` at once. When ``close()`` interrupts a waiting
    ``accept``, that ``accept`` releases the socket as it returns.
    """

    _open_state = "listening"

    def __init__(
        self,
        sock: socket.socket,
        address: Address,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
        unlink: tuple[str, int, int] | None = None,
    ) -> None:
        self.address = str(address)
        self.max_frame_size = max_frame_size
        self.send_timeout = send_timeout
        self._scheme = address.scheme
        self._sock = sock
        self._unlink = unlink  # (path, st_dev, st_ino) of a Unix socket file we own
        sock.setblocking(False)
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(sock, selectors.EVENT_READ)
        self._selector.register(self._wake_reader, selectors.EVENT_READ)
        # Reentrant: a signal handler may call close() while this thread is
        # inside accept() holding the lock.
        self._lock = threading.RLock()
        self._closed = False
        self._accepting = False
        self._released = False

    def accept(self, timeout: float | None) -> StreamConnection:
        """Wait up to ``timeout`` seconds for a peer (``None``: until closed).

        >>> connection = listener.accept(timeout=60.0)  # doctest: +SKIP
        """
        with self._lock:
            if self._closed:
                raise ConnectionClosed(f"the listener on {self.address} is closed")
            if self._accepting:
                raise RlayError(f"accept() on {self.address} is already waiting in another thread")
            self._accepting = True
        try:
            return self._accept(timeout)
        finally:
            with self._lock:
                self._accepting = False
                release = self._closed
            if release:
                self._release()

    def _accept(self, timeout: float | None) -> StreamConnection:
        timeout = wait_limit(timeout)
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(deadline - monotonic(), 0.0)
            try:
                ready = self._selector.select(remaining)
            except (OSError, ValueError):
                if not self._closed:
                    raise
                ready = []  # released by a signal handler's close()
            if self._closed:
                raise ConnectionClosed(f"the listener on {self.address} is closed")
            if not ready:
                raise Timeout(f"nobody connected to {self.address} within {timeout} s")
            try:
                sock, peer = self._sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                continue  # the peer gave up between select and accept
            except OSError as error:
                if self._closed:
                    raise ConnectionClosed(f"the listener on {self.address} is closed") from None
                raise RlayError(f"accepting on {self.address} failed: {error}") from error
            return self._wrap(sock, peer)

    def _wrap(self, sock: socket.socket, peer: object) -> StreamConnection:
        if self._scheme == "tcp":
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            description = f"tcp {_format_peer(peer)}"
        else:
            description = f"unix {self.address[len('unix://') :]}"
        return StreamConnection(
            sock,
            description,
            max_frame_size=self.max_frame_size,
            send_timeout=self.send_timeout,
        )

    def close(self) -> None:
        """Stop listening (and remove the Unix socket file); a second call does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            busy = self._accepting
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")
        if not busy:
            self._release()

    def _release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        self._selector.close()
        self._sock.close()
        self._wake_reader.close()
        self._wake_writer.close()
        if self._unlink is not None:
            _unlink_if_ours(*self._unlink)

    def _label(self) -> str:
        return self.address


def _unsent(views: list[memoryview], sent: int) -> list[memoryview]:
    """What is left of ``views`` after the first ``sent`` bytes went out.

    >>> [bytes(v) for v in _unsent([memoryview(b"ab"), memoryview(b"cde")], 3)]
    [b'de']
    """
    rest = []
    for view in views:
        if sent >= len(view):
            sent -= len(view)
            continue
        rest.append(view[sent:])
        sent = 0
    return rest


def _format_peer(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = str(peer[0])
        return f"[{host}]:{peer[1]}" if ":" in host else f"{host}:{peer[1]}"
    return str(peer)


def _unlink_if_ours(path: str, device: int, inode: int) -> None:
    """Remove the socket file unless another listener has replaced it since."""
    try:
        info = os.lstat(path)
        if (info.st_dev, info.st_ino) == (device, inode):
            os.unlink(path)
    except OSError:
        pass


def _bind_error(address: Address, error: OSError) -> RlayError:
    if error.errno == errno.EADDRINUSE:
        return AddressInUse(f"{address} is already in use by another listener")
    if error.errno == errno.EADDRNOTAVAIL:
        return InvalidAddress(f"{address}: {address.host} is not an address of this machine")
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return InvalidAddress(f"{address}: the directory of the socket file does not exist")
    return RlayError(f"cannot listen on {address}: {error}")


# -- tcp --------------------------------------------------------------------


def bind_tcp(address: Address, backlog: int) -> socket.socket:
    """A TCP socket listening on ``address`` (shared by the tcp and ws transports)."""
    try:
        infos = socket.getaddrinfo(
            address.host, address.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as error:
        raise InvalidAddress(f"{address}: cannot resolve {address.host!r}: {error}") from None
    family, kind, proto, _, sockaddr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        if sys.platform == "win32":
            # Windows' SO_REUSEADDR lets another process steal a bound port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        else:
            # Rebinding right after a restart must not wait out TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        raise _bind_error(address, error) from None
    return sock


def listen_tcp(
    address: Address,
    *,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    backlog: int = 16,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
) -> StreamListener:
    """Listen on ``tcp://HOST:PORT``; port 0 picks a free port (see ``.address``)."""
    sock = bind_tcp(address, backlog)
    port = int(sock.getsockname()[1])
    return StreamListener(
        sock,
        address.with_port(port),
        max_frame_size=max_frame_size,
        send_timeout=send_timeout,
    )


def dial_tcp(address: Address, timeout: float) -> tuple[socket.socket, str]:
    """A TCP socket connected to ``address`` (no delay) and the peer's name.

    Shared by the tcp and ws transports; :class:`Unreachable` when nothing accepts.
    """
    if address.port == 0:
        raise InvalidAddress(f"{address}: cannot dial port 0")
    try:
        sock = socket.create_connection(
            (address.host, address.port), timeout=wait_limit(timeout, 1e-3)
        )
    except TimeoutError:
        raise Unreachable(f"{address} did not answer within {timeout} s") from None
    except ConnectionRefusedError:
        raise Unreachable(f"nothing listens on {address} (connection refused)") from None
    except OSError as error:
        raise Unreachable(f"cannot connect to {address}: {error}") from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        peer = _format_peer(sock.getpeername())
    except OSError:
        peer = f"{address.host}:{address.port}"
    return sock, peer


def connect_tcp(
    address: Address,
    *,
    timeout: float,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
) -> StreamConnection:
    """Dial ``tcp://HOST:PORT`` once; :class:`Unreachable` when nothing accepts."""
    sock, peer = dial_tcp(address, timeout)
    return StreamConnection(
        sock, f"tcp {peer}", max_frame_size=max_frame_size, send_timeout=send_timeout
    )


# -- unix -------------------------------------------------------------------


def _require_unix() -> None:
    if not hasattr(socket, "AF_UNIX"):
        raise InvalidAddress("unix:// addresses need Unix domain sockets, which are missing here")


def listen_unix(
    address: Address,
    *,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    backlog: int = 16,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
) -> StreamListener:
    """Listen on ``unix:///PATH``, replacing a socket file left by a dead process."""
    _require_unix()
    _remove_stale_socket(address)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(address.path)
        sock.listen(backlog)
        info = os.lstat(address.path)
    except OSError as error:
        sock.close()
        raise _bind_error(address, error) from None
    return StreamListener(
        sock,
        address,
        max_frame_size=max_frame_size,
        send_timeout=send_timeout,
        unlink=(address.path, info.st_dev, info.st_ino),
    )


def _remove_stale_socket(address: Address) -> None:
    """Delete the socket file at ``address`` if no live process listens on it."""
    path = address.path
    try:
        info = os.lstat(path)
    except OSError:
        return  # nothing there; bind reports any other problem
    if not stat.S_ISSOCK(info.st_mode):
        raise AddressInUse(f"{address}: {path} exists and is not a socket; not replacing it")
    if _listed_as_listening(path):
        raise AddressInUse(f"{address} is already in use by a live listener")
    # Otherwise dial it: a refusal proves the file stale. (A live listener
    # the system table does not show, e.g. in another network namespace,
    # sees this probe as a connection that closes at once.)
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # stale: its listener is gone
        return
    except FileNotFoundError:
        return
    except OSError as error:
        raise AddressInUse(f"{address} is in use (its listener did not answer: {error})") from None
    finally:
        probe.close()
    raise AddressInUse(f"{address} is already in use by a live listener")


def _listened_paths() -> set[bytes] | None:
    """Paths of listening Unix sockets from /proc/net/unix (Linux), or None elsewhere."""
    try:
        with open("/proc/net/unix", "rb") as table:
            lines = table.read().splitlines()[1:]
    except OSError:
        return None
    paths = set()
    for line in lines:
        # Num RefCount Protocol Flags Type St Inode Path; Flags 0x10000 = listening
        fields = line.split(None, 7)
        if len(fields) == 8 and int(fields[3], 16) & 0x10000:
            paths.add(fields[7])
    return paths


def _listed_as_listening(path: str) -> bool:
    """True when the system's socket table shows a listener bound to ``path``.

    Checking the table, rather than dialling, spares a live listener a
    connection it would see open and close for nothing.
    """
    paths = _listened_paths()
    return paths is not None and os.fsencode(path) in paths


def connect_unix(
    address: Address,
    *,
    timeout: float,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
) -> StreamConnection:
    """Dial ``unix:///PATH`` once; :class:`Unreachable` when nothing accepts."""
    _require_unix()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(wait_limit(timeout, 1e-3))
    try:
        sock.connect(address.path)
    except FileNotFoundError:
        sock.close()
        raise Unreachable(f"nothing listens on {address} (no socket file)") from None
    except ConnectionRefusedError:
        sock.close()
        raise Unreachable(f"nothing listens on {address} (connection refused)") from None
    except (TimeoutError, BlockingIOError):
        sock.close()
        raise Unreachable(f"{address} did not accept within {timeout} s") from None
    except OSError as error:
        sock.close()
        raise Unreachable(f"cannot connect to {address}: {error}") from None
    return StreamConnection(
        sock,
        f"unix {address.path}",
        max_frame_size=max_frame_size,
        send_timeout=send_timeout,
    )
