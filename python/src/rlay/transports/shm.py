"""The shared-memory transport: frames between two processes of one machine.

``shm:///PATH`` listens on a Unix socket at ``PATH``; frames then travel
through shared memory, and the socket only introduces the peers, wakes a
sleeping peer and tells when one of them is gone.

>>> from rlay.address import parse_address
>>> listener = listen_shm(parse_address("shm:///tmp/rlay-shm-doc"))
>>> client = connect_shm(parse_address(listener.address), timeout=5.0)
>>> server = listener.accept(timeout=5.0)
>>> client.send(b"ping")
>>> server.recv(timeout=5.0)
b'ping'
>>> for closable in (client, server, listener):
...     closable.close()

How it works
------------

*Rendezvous.* The listener listens on a Unix socket at ``PATH``. The dialer
connects, creates an anonymous shared-memory segment (``memfd_create`` on
Linux; elsewhere a temporary file deleted right after it is opened) and
sends its file descriptor over the socket (``SCM_RIGHTS``) with a greeting
frame naming the ring size; the listener maps it when it accepts. Like a
socket dial, ``connect`` does not wait for ``accept``. The segment never
has a name in ``/dev/shm``, so nothing is left behind whatever happens to
either process: the kernel frees it with the last mapping.

*Rings.* The segment holds a control page and two byte rings, one per
direction, each with one producer and one consumer. The producer owns a
``write`` counter, the consumer a ``read`` counter (total bytes, never
wrapped; each on its own cache line). A frame is a record: a 16-byte header
(payload length, the producer's monotonic clock at sending) then the
payload, padded to 16 bytes. A record that fits the free space is written
with one or two copies and published by one store of ``write``; larger
records, up to the maximum frame size, stream through the ring in pieces
while the consumer drains it.

*Waiting.* A receiver first spins on the ``write`` counter, for an adaptive
time: twice the recent gap between starting to wait and the frame being
sent (read from the record header), capped at 100 µs, and shrinking to
nothing when replies come slowly (a human-paced game, a long policy
update), so an idle connection costs no CPU. It then sets its ``sleeping``
flag, checks the counter again and blocks in ``poll`` on the socket. A
producer that publishes and sees the flag writes one byte (a doorbell) to
the socket. Blocked producers of a full ring do the same with the
``writer sleeping`` flag. Each sleep is a ``poll`` with a short timeout
(1 ms, doubling up to 50 ms) after which the counter is checked again, so a
lost wake-up can only delay a frame, never hang; ``recv(timeout)`` is
honoured to the millisecond, and end of file on the socket (the peer closed
or died) raises :class:`~rlay.errors.ConnectionClosed` once the frames it
sent before are read.

*Memory ordering.* CPython copies into and out of the mapping with
``memcpy`` and reads and writes the counters as aligned 8-byte words (a
native ``'Q'`` memoryview), in separate interpreter operations the compiler
cannot reorder. On x86 and x86-64 (total store order) stores are seen in
program order and loads are not reordered with loads, so "copy the payload,
then store the counter" pairs with "load the counter, then copy the
payload". The one reordering x86 does allow, a store followed by a load of
another word, matters for the sleep handshake (set my flag, then read the
peer's counter; publish, then read the peer's flag); there a fence is
placed: releasing and re-acquiring a private ``threading.Lock``, which
executes locked atomic instructions (full barriers on x86). On other
processors (e.g. arm64) the same fence is also placed between every copy
and counter access; that configuration is expected to be correct but is not
tested here. Either way the timed ``poll`` loop remains the safety net.

Limits: peers must be on the same machine (and in the same container, as
they share a memory segment and a socket file); the connection is used by
one thread at a time, like every connection; while a thread spins it holds
the GIL (at most 100 µs per wait), so other Python threads of that process
may wait that long; frames larger than the ring (1 MiB per direction by
default, see ``ring_size``) are copied through it in pieces, at memory
speed but with one wake-up per ring-full.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import platform
import select
import socket
import struct
import tempfile
import threading
from collections.abc import Callable
from time import monotonic, monotonic_ns
from types import TracebackType

from rlay.address import Address
from rlay.errors import (
    ConnectionClosed,
    FrameTooLarge,
    InvalidAddress,
    ProtocolError,
    RlayError,
    Timeout,
    Unreachable,
)
from rlay.transports.base import Payload, wait_limit
from rlay.transports.sockets import (
    DEFAULT_SEND_TIMEOUT,
    StreamConnection,
    StreamListener,
    connect_unix,
    listen_unix,
)
from rlay.wire import DEFAULT_MAX_FRAME_SIZE, HEADER, check_frame_size

__all__ = [
    "DEFAULT_RING_SIZE",
    "ShmConnection",
    "ShmListener",
    "connect_shm",
    "listen_shm",
]

#: Bytes of each ring (one per direction) unless the dialer asks otherwise.
DEFAULT_RING_SIZE = 1 << 20
_MIN_RING_SIZE = 4096
_MAX_RING_SIZE = 1 << 30

_PROTOCOL = "rlay-shm"
_VERSION = 1
_MAGIC = 0x314D485359414C52  # b"RLAYSHM1" read as a little-endian word

# Segment: a control page, then the ring of channel 0 (dialer -> listener),
# then the ring of channel 1 (listener -> dialer).
_CONTROL_SIZE = 4096
# Indices of 8-byte control words. Each word sits on its own 128-byte line
# pair so that the two processes never write the same cache line.
_MAGIC_WORD = 0
_RING_WORD = 1
_PID_WORDS = (2, 3)  # the dialer's and the listener's process ids
_WRITE, _READ, _READER_SLEEPS, _WRITER_SLEEPS = 0, 16, 32, 48  # offsets within a channel


def _channel_base(channel: int) -> int:
    return 16 + 64 * channel


_RECORD = struct.Struct("=QQ")  # payload length, sender's monotonic_ns
_RECORD_SIZE = _RECORD.size  # 16: records are padded to this, so headers never wrap
_ALIGN_MASK = ~(_RECORD_SIZE - 1)

# Spin budget: up to 150 µs, enough to cover the peer's own wake-up (40-60 µs
# on a busy VM) plus a typical env step, so two peers that both slept once
# settle back into spinning; at least 20 µs while replies come in time, as
# a reply that is a little late costs a whole wake-up.
_SPIN_CAP_NS = 150_000
_SPIN_FLOOR_NS = 20_000
_POLL_FIRST_MS = 1.0
_POLL_MAX_MS = 50.0
_DRAIN_SIZE = 4096
_GREETING_TIMEOUT = 2.0  # how long an accepted peer may take to send its greeting
_MAX_GREETING = 4096
_JOIN_MAX = 4096  # payloads up to this are joined to their header and copied once
_DOORBELL = b"\x01"

# Where stores are not kept in order (anything but x86), copies and counters
# get a fence between them too.
_TOTAL_STORE_ORDER = platform.machine().lower() in {"x86_64", "amd64", "i386", "i686", "x86"}

_EOF = "peer closed the connection"

# sched_yield releases the GIL and lets a runnable process on this CPU (the
# peer, if the scheduler put both here) run before the spin goes on.
_yield: Callable[[], None] = getattr(os, "sched_yield", lambda: None)


def _padded(size: int) -> int:
    return (size + 2 * _RECORD_SIZE - 1) & _ALIGN_MASK


def _require_support() -> None:
    if not hasattr(socket, "AF_UNIX") or not hasattr(socket, "send_fds"):
        raise InvalidAddress(
            "shm:// addresses need Unix domain sockets that pass file descriptors, "
            "which are missing here"
        )


class ShmConnection:
    """Frames through a shared-memory segment, with a Unix socket for wake-ups.

    Use it from one thread at a time. ``close()`` may come from another
    thread; a ``recv`` blocked in it then raises :class:`ConnectionClosed`.
    """

    def __init__(
        self,
        sock: socket.socket,
        segment: mmap.mmap,
        ring_size: int,
        *,
        listener_side: bool,
        description: str,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.description = description
        self.max_frame_size = max_frame_size
        self.send_timeout = send_timeout
        sock.setblocking(False)
        self._sock = sock
        self._poller = select.poll()
        self._poller.register(sock, select.POLLIN)
        self._mm = segment
        self._ctrl = memoryview(segment)[:_CONTROL_SIZE].cast("Q")
        self._cap = ring_size
        self._mask = ring_size - 1
        out_channel, in_channel = (1, 0) if listener_side else (0, 1)
        self._out = _channel_base(out_channel)
        self._in = _channel_base(in_channel)
        self._out_data = _CONTROL_SIZE + out_channel * ring_size
        self._in_data = _CONTROL_SIZE + in_channel * ring_size
        self._w = self._ctrl[self._out + _WRITE]
        self._r = self._ctrl[self._in + _READ]
        # A lock this connection alone uses, held between fences: releasing
        # and re-acquiring it executes locked instructions (a full barrier).
        self._fence_lock = threading.Lock()
        self._fence_lock.acquire()
        mine, theirs = _PID_WORDS[::-1] if listener_side else _PID_WORDS
        self._ctrl[mine] = os.getpid()
        self._peer_pid = theirs
        # Spinning for a peer in this very process only keeps it from the GIL.
        self._spin_allowed = True
        self._spin_ns = _SPIN_CAP_NS  # adapted after every wait
        self._partial: _Partial | None = None
        self._failure: RlayError | None = None
        self._eof = False
        self._closed = False
        self._busy = False
        self._released = False
        self._release_lock = threading.Lock()

    # -- primitives ---------------------------------------------------------

    def _fence(self) -> None:
        lock = self._fence_lock
        lock.release()
        lock.acquire()

    def _ring(self) -> None:
        """Wake the peer: one byte on the socket (dropped if the buffer is full)."""
        try:
            self._sock.send(_DOORBELL)
        except BlockingIOError:
            pass  # the peer has unread doorbells already
        except OSError:
            self._eof = True

    def _drain(self) -> None:
        """Read pending doorbells; note end of file."""
        try:
            while True:
                data = self._sock.recv(_DRAIN_SIZE)
                if not data:
                    self._eof = True
                    return
                if len(data) < _DRAIN_SIZE:
                    return
        except BlockingIOError:
            return
        except OSError:
            self._eof = True

    def _check_usable(self) -> None:
        if self._closed:
            raise ConnectionClosed(f"the connection to {self.description} is closed")
        if self._eof:
            raise ConnectionClosed(f"{_EOF} ({self.description})")

    def _sleep_until(
        self, ready: Callable[[], bool], flag: int, deadline: float | None, on_timeout: RlayError
    ) -> None:
        """Block on the socket until ``ready()``, with ``flag`` announcing the sleep."""
        ctrl = self._ctrl
        ctrl[flag] = 1
        try:
            self._fence()  # the flag is visible before the counter is read again
            delay = _POLL_FIRST_MS
            polled = False
            while not ready():
                self._check_usable()
                if deadline is None:
                    wait = delay
                else:
                    remaining = (deadline - monotonic()) * 1000.0
                    if remaining <= 0.0 and polled:
                        raise on_timeout
                    wait = min(delay, max(remaining, 0.0))
                if self._poller.poll(wait):
                    self._drain()
                polled = True
                delay = min(delay * 2.0, _POLL_MAX_MS)
        finally:
            ctrl[flag] = 0

    # -- receiving ----------------------------------------------------------

    def recv(self, timeout: float | None) -> bytes:
        """Receive one frame within ``timeout`` seconds (``None``: wait forever).

        >>> connection.recv(timeout=5.0)  # doctest: +SKIP
        b'...'
        """
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise ConnectionClosed(f"the connection to {self.description} is closed")
        self._busy = True
        try:
            return self._recv(timeout)
        except ValueError:
            # The mapping was released by a close() from another thread.
            if self._closed:
                raise ConnectionClosed(f"the connection to {self.description} is closed") from None
            raise
        finally:
            self._busy = False
            if self._closed:
                self._release()

    def _recv(self, timeout: float | None) -> bytes:
        if self._partial is not None:
            return self._recv_rest(self._partial, _deadline(timeout), timeout)
        ctrl = self._ctrl
        r = self._r
        written = ctrl[self._in + _WRITE]
        deadline = None
        if written == r:
            deadline = _deadline(timeout)
            written = self._wait_for_data(r, deadline, timeout)
        if not _TOTAL_STORE_ORDER:
            self._fence()
        pos = r & self._mask
        start = self._in_data + pos
        size, _ = _RECORD.unpack_from(self._mm, start)
        if size > self.max_frame_size:
            raise self._fail(FrameTooLarge(size, self.max_frame_size))
        padded = _padded(size)
        available = written - r
        if available > self._cap:
            raise self._fail(ProtocolError(f"corrupt shared-memory ring ({self.description})"))
        if available < padded:
            if deadline is None:
                deadline = _deadline(timeout)
            partial = _Partial(size, padded)
            self._consume(_RECORD_SIZE)
            self._partial = partial
            return self._recv_rest(partial, deadline, timeout)
        start += _RECORD_SIZE
        end = pos + _RECORD_SIZE + size
        if end <= self._cap:
            data = self._mm[start : start + size]
        else:
            base = self._in_data
            data = self._mm[start : base + self._cap] + self._mm[base : base + end - self._cap]
        self._consume(padded)
        return data

    def _consume(self, count: int) -> None:
        """Free ``count`` bytes of the incoming ring and wake a producer waiting for room."""
        r = self._r + count
        self._r = r
        ctrl = self._ctrl
        ctrl[self._in + _READ] = r
        self._fence()
        if ctrl[self._in + _WRITER_SLEEPS]:
            self._ring()

    def _wait_for_data(self, r: int, deadline: float | None, timeout: float | None) -> int:
        """Spin, then sleep, until the incoming ``write`` counter moves past ``r``."""
        ctrl = self._ctrl
        index = self._in + _WRITE
        started = monotonic_ns()
        if self._spin_allowed and ctrl[self._peer_pid] == os.getpid():
            self._spin_allowed = False
        spin_end = started + (self._spin_ns if self._spin_allowed else 0)
        if deadline is not None:
            spin_end = min(spin_end, int(deadline * 1e9))
        written = ctrl[index]
        while written == r and monotonic_ns() < spin_end:
            # Yield between checks: a peer waiting for this CPU runs at once.
            _yield()
            written = ctrl[index]
        if written == r:
            self._sleep_until(
                self._has_data, self._in + _READER_SLEEPS, deadline, self._timed_out(timeout)
            )
            written = ctrl[index]
        self._adapt(started, r)
        return int(written)

    def _has_data(self) -> bool:
        return bool(self._ctrl[self._in + _WRITE] != self._r)

    def _adapt(self, started: int, r: int) -> None:
        """Spin next time for about twice the gap this frame took to be sent, if short."""
        (_, sent) = _RECORD.unpack_from(self._mm, self._in_data + (r & self._mask))
        gap = max(sent - started, 0)
        target = min(max(2 * gap, _SPIN_FLOOR_NS), _SPIN_CAP_NS) if gap <= _SPIN_CAP_NS else 0
        self._spin_ns += (target - self._spin_ns) // 4

    def _recv_rest(self, partial: _Partial, deadline: float | None, timeout: float | None) -> bytes:
        """Collect a record larger than what the ring holds at once, piece by piece.

        The progress lives in ``partial``, so a timeout leaves the stream intact.
        """
        ctrl = self._ctrl
        index = self._in + _WRITE
        with memoryview(self._mm) as segment:
            while partial.received < partial.body:
                available = ctrl[index] - self._r
                if available == 0:
                    self._sleep_until(
                        self._has_data,
                        self._in + _READER_SLEEPS,
                        deadline,
                        self._timed_out(timeout),
                    )
                    continue
                if available > self._cap:
                    raise self._fail(
                        ProtocolError(f"corrupt shared-memory ring ({self.description})")
                    )
                if not _TOTAL_STORE_ORDER:
                    self._fence()
                pos = self._r & self._mask
                count = min(available, self._cap - pos, partial.body - partial.received)
                useful = max(min(count, partial.size - partial.received), 0)
                if useful:
                    start = self._in_data + pos
                    partial.view[partial.received : partial.received + useful] = segment[
                        start : start + useful
                    ]
                partial.received += count
                self._consume(count)
        self._partial = None
        data = bytes(partial.buffer)
        partial.view.release()
        return data

    def _timed_out(self, timeout: float | None) -> Timeout:
        return Timeout(f"no frame from {self.description} within {timeout} s")

    def _fail(self, error: RlayError) -> RlayError:
        if self._failure is None:
            self._failure = error
        return error

    # -- sending ------------------------------------------------------------

    def send(self, payload: Payload) -> None:
        """Send ``payload`` as one frame.

        >>> connection.send(b"\\x0a\\x00")  # doctest: +SKIP
        """
        self._check_usable()
        if type(payload) is bytes:
            size = len(payload)
        else:
            payload = memoryview(payload).cast("B")
            size = payload.nbytes
        check_frame_size(size, self.max_frame_size)
        self._busy = True
        try:
            self._send(payload, size)
        except ValueError:
            if self._closed:
                raise ConnectionClosed(f"the connection to {self.description} is closed") from None
            raise
        finally:
            self._busy = False
            if self._closed:
                self._release()
        if self._eof:
            raise ConnectionClosed(f"{_EOF} ({self.description})")

    def _send(self, payload: Payload, size: int) -> None:
        ctrl = self._ctrl
        cap = self._cap
        w = self._w
        padded = _padded(size)
        if padded > cap - (w - ctrl[self._out + _READ]):
            self._send_pieces(payload, size)
            return
        pos = w & self._mask
        start = self._out_data + pos
        mm = self._mm
        header = _RECORD.pack(size, monotonic_ns())
        end = pos + _RECORD_SIZE + size
        if end <= cap and size <= _JOIN_MAX:
            mm[start : start + _RECORD_SIZE + size] = header + payload  # one copy
        elif end <= cap:
            mm[start : start + _RECORD_SIZE] = header
            mm[start + _RECORD_SIZE : start + _RECORD_SIZE + size] = payload
        else:
            mm[start : start + _RECORD_SIZE] = header
            split = cap - pos - _RECORD_SIZE
            base = self._out_data
            with memoryview(payload) as view:
                mm[start + _RECORD_SIZE : base + cap] = view[:split]
                mm[base : base + end - cap] = view[split:]
        self._publish(w + padded)

    def _publish(self, w: int) -> None:
        """Make the outgoing ring's bytes up to ``w`` visible; wake a sleeping reader."""
        ctrl = self._ctrl
        if not _TOTAL_STORE_ORDER:
            self._fence()
        self._w = w
        ctrl[self._out + _WRITE] = w
        self._fence()  # the counter is visible before the reader's flag is read
        if ctrl[self._out + _READER_SLEEPS]:
            self._ring()

    def _send_pieces(self, payload: Payload, size: int) -> None:
        """Stream a record through the ring as the reader frees room."""
        deadline = _deadline(self.send_timeout)
        header = _RECORD.pack(size, monotonic_ns())
        padding = bytes(_padded(size) - _RECORD_SIZE - size)
        try:
            with memoryview(payload) as view:
                for part in (memoryview(header), view, memoryview(padding)):
                    self._write_part(part, deadline)
        except Timeout:
            # Part of the record may be out: the ring cannot carry another frame.
            self.close()
            raise self._fail(
                Timeout(
                    f"{self.description} did not take a frame of {size} bytes within "
                    f"{self.send_timeout} s; the connection is closed"
                )
            ) from None

    def _write_part(self, part: memoryview, deadline: float | None) -> None:
        ctrl = self._ctrl
        cap = self._cap
        mm = self._mm
        offset = 0
        total = len(part)
        while offset < total:
            free = cap - (self._w - ctrl[self._out + _READ])
            # Wait for a useful amount of room (the whole header at once).
            need = min(total - offset, cap // 4)
            if free < need:
                self._wait_for_room(need, deadline)
                continue
            pos = self._w & self._mask
            count = min(total - offset, free, cap - pos)
            start = self._out_data + pos
            mm[start : start + count] = part[offset : offset + count]
            offset += count
            self._publish(self._w + count)
            self._check_usable()

    def _wait_for_room(self, need: int, deadline: float | None) -> None:
        ctrl = self._ctrl
        index = self._out + _READ
        cap = self._cap

        def ready() -> bool:
            return bool(cap - (self._w - ctrl[index]) >= need)

        spin_end = monotonic_ns() + (_SPIN_CAP_NS if self._spin_allowed else 0)
        while not ready():
            if monotonic_ns() >= spin_end:
                timed_out = Timeout(f"{self.description} did not read within the send timeout")
                self._sleep_until(ready, self._out + _WRITER_SLEEPS, deadline, timed_out)
                return
            _yield()

    # -- closing ------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        # shutdown wakes a poll in another thread and tells the peer at once.
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        if not self._busy:
            self._release()

    def _release(self) -> None:
        with self._release_lock:
            if self._released:
                return
            self._released = True
        partial = self._partial
        if partial is not None:
            partial.view.release()
        self._ctrl.release()
        self._mm.close()
        self._sock.close()

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called."""
        return self._closed

    def fileno(self) -> int:
        """The socket's file descriptor (readable when the peer rings or leaves)."""
        return self._sock.fileno()

    def __enter__(self) -> ShmConnection:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<ShmConnection {self.description} {state}>"


class _Partial:
    """A frame being collected from the ring in pieces."""

    def __init__(self, size: int, padded: int) -> None:
        self.size = size
        self.body = padded - _RECORD_SIZE  # bytes after the header, padding included
        self.received = 0
        self.buffer = bytearray(size)
        self.view = memoryview(self.buffer)


def _deadline(timeout: float | None) -> float | None:
    limit = wait_limit(timeout)
    return None if limit is None else monotonic() + limit


# -- segments and the greeting --------------------------------------------------


def _create_segment(ring_size: int) -> int:
    """A new anonymous shared file the size of a segment with two rings of ``ring_size``."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("rlay-shm", os.MFD_CLOEXEC)
    else:
        directory = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
        fd, path = tempfile.mkstemp(prefix="rlay-shm-", dir=directory)
        os.unlink(path)  # the open descriptor keeps it; no name is left to leak
    try:
        os.ftruncate(fd, _segment_size(ring_size))
    except OSError:
        os.close(fd)
        raise
    return fd


def _segment_size(ring_size: int) -> int:
    return _CONTROL_SIZE + 2 * ring_size


def _map(fd: int, ring_size: int) -> mmap.mmap:
    size = _segment_size(ring_size)
    return mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)


def _greeting(ring_size: int) -> bytes:
    body = json.dumps({"protocol": _PROTOCOL, "version": _VERSION, "ring": ring_size}).encode()
    return HEADER.pack(len(body)) + body


def _offer_segment(sock: socket.socket, ring_size: int) -> mmap.mmap:
    """Dialer side: create the segment and send it with the greeting; return its mapping.

    Nothing waits for the listener: like a socket dial, the connection is
    ready before the listener accepts it.
    """
    fd = _create_segment(ring_size)
    try:
        segment = _map(fd, ring_size)
        with memoryview(segment) as whole, whole[:_CONTROL_SIZE].cast("Q") as ctrl:
            ctrl[_RING_WORD] = ring_size
            ctrl[_MAGIC_WORD] = _MAGIC
        try:
            # A fresh socket's buffer takes the small greeting at once.
            socket.send_fds(sock, [_greeting(ring_size)], [fd])
        except OSError:
            segment.close()
            raise
    finally:
        os.close(fd)
    return segment


def _accept_segment(sock: socket.socket, where: str, deadline: float) -> tuple[mmap.mmap, int]:
    """Listener side: read the dialer's greeting and map its segment: (mapping, ring size)."""
    ring_size, fd = _receive_greeting(sock, where, deadline)
    try:
        if os.fstat(fd).st_size != _segment_size(ring_size):
            raise ProtocolError(f"{where}: the peer offered a segment of the wrong size")
        segment = _map(fd, ring_size)
    finally:
        os.close(fd)
    with memoryview(segment) as whole, whole[:_CONTROL_SIZE].cast("Q") as ctrl:
        valid = ctrl[_MAGIC_WORD] == _MAGIC and ctrl[_RING_WORD] == ring_size
    if not valid:
        segment.close()
        raise ProtocolError(f"{where}: the peer offered a segment that is not an rlay ring")
    return segment, ring_size


def _receive_greeting(sock: socket.socket, where: str, deadline: float) -> tuple[int, int]:
    """The greeting frame and the descriptor that came with it: (ring size, fd)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    received = b""
    fd = -1
    try:
        while True:
            total = HEADER.size + (_length(received, where) if len(received) >= 4 else 0)
            if len(received) >= total and len(received) > HEADER.size:
                break
            remaining = deadline - monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000.0):
                raise Timeout(f"{where}: the peer sent no greeting in time")
            try:
                data, fds, _, _ = socket.recv_fds(sock, total - len(received), 4)
            except BlockingIOError:
                continue
            for extra in fds:
                if fd < 0:
                    fd = extra
                else:
                    os.close(extra)
            if not data:
                raise ConnectionClosed(f"{where}: the peer left before its greeting")
            received += data
        ring_size = _parse_greeting(received[HEADER.size :], where)
        if fd < 0:
            raise ProtocolError(f"{where}: the peer sent no shared-memory segment")
        result = (ring_size, fd)
        fd = -1
        return result
    finally:
        if fd >= 0:
            os.close(fd)


def _length(received: bytes, where: str) -> int:
    length = int(HEADER.unpack_from(received)[0])
    if length > _MAX_GREETING:
        raise ProtocolError(f"{where}: the peer does not speak the shm:// transport")
    return length


def _parse_greeting(body: bytes, where: str) -> int:
    try:
        greeting = json.loads(body)
        protocol, version, ring = greeting["protocol"], greeting["version"], greeting["ring"]
    except (ValueError, TypeError, KeyError):
        raise ProtocolError(f"{where}: the peer does not speak the shm:// transport") from None
    if protocol != _PROTOCOL:
        raise ProtocolError(f"{where}: the peer does not speak the shm:// transport")
    if version != _VERSION:
        raise ProtocolError(
            f"{where}: the peer speaks version {version} of the shm:// transport, "
            f"this side speaks {_VERSION}"
        )
    if not isinstance(ring, int) or not _valid_ring_size(ring):
        raise ProtocolError(f"{where}: the peer offered an invalid ring size {ring!r}")
    return ring


def _valid_ring_size(ring: int) -> bool:
    return _MIN_RING_SIZE <= ring <= _MAX_RING_SIZE and ring & (ring - 1) == 0


def _round_ring_size(ring_size: int) -> int:
    """The power of two at or above ``ring_size``, within the allowed range."""
    if ring_size <= 0:
        raise ValueError(f"ring_size must be positive, not {ring_size}")
    size = 1 << (ring_size - 1).bit_length()
    return min(max(size, _MIN_RING_SIZE), _MAX_RING_SIZE)


def _unix_of(address: Address) -> Address:
    return Address("unix", path=address.path)


# -- listening and dialling ----------------------------------------------------


def _take_socket(connection: StreamConnection) -> socket.socket:
    """The accepted or dialled socket, driven by this module from now on."""
    return connection._sock


class ShmListener:
    """A Unix socket where peers come to share memory.

    ``accept`` may run in a loop in one thread while ``close()`` comes from
    another thread or a signal handler, as with
    :class:`~rlay.transports.sockets.StreamListener`. A peer that does not
    greet properly within a few seconds is dropped and the wait goes on.
    """

    def __init__(
        self,
        inner: StreamListener,
        address: Address,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.address = str(address)
        self.max_frame_size = max_frame_size
        self.send_timeout = send_timeout
        self._inner = inner
        self._path = address.path

    def accept(self, timeout: float | None) -> ShmConnection:
        """Wait up to ``timeout`` seconds for a peer (``None``: until closed).

        >>> connection = listener.accept(timeout=60.0)  # doctest: +SKIP
        """
        deadline = _deadline(timeout)
        while True:
            remaining = None if deadline is None else max(deadline - monotonic(), 0.0)
            try:
                stream = self._inner.accept(remaining)
            except Timeout:
                raise Timeout(f"nobody connected to {self.address} within {timeout} s") from None
            except ConnectionClosed:
                raise ConnectionClosed(f"the listener on {self.address} is closed") from None
            sock = _take_socket(stream)
            where = f"shm {self._path}"
            try:
                sock.setblocking(False)
                segment, ring_size = _accept_segment(sock, where, monotonic() + _GREETING_TIMEOUT)
            except (RlayError, OSError):
                sock.close()  # not a working peer; wait for the next one
                continue
            return ShmConnection(
                sock,
                segment,
                ring_size,
                listener_side=True,
                description=where,
                max_frame_size=self.max_frame_size,
                send_timeout=self.send_timeout,
            )

    def close(self) -> None:
        """Stop listening (and remove the socket file); a second call does nothing."""
        self._inner.close()

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called."""
        return self._inner.closed

    def __enter__(self) -> ShmListener:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "listening"
        return f"<ShmListener {self.address} {state}>"


def listen_shm(
    address: Address,
    *,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    backlog: int = 16,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
) -> ShmListener:
    """Listen on ``shm:///PATH`` (a Unix socket file at ``PATH``).

    >>> listener = listen_shm(parse_address("shm:///tmp/game"))  # doctest: +SKIP
    """
    _require_support()
    inner = listen_unix(
        _unix_of(address), max_frame_size=max_frame_size, backlog=backlog, send_timeout=None
    )
    return ShmListener(inner, address, max_frame_size=max_frame_size, send_timeout=send_timeout)


def connect_shm(
    address: Address,
    *,
    timeout: float,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
    ring_size: int = DEFAULT_RING_SIZE,
) -> ShmConnection:
    """Dial ``shm:///PATH`` once; :class:`Unreachable` when nothing accepts.

    ``ring_size`` bytes of shared memory carry each direction (rounded up to
    a power of two); larger frames pass through in pieces.

    >>> connection = connect_shm(parse_address("shm:///tmp/game"), timeout=5.0)  # doctest: +SKIP
    """
    _require_support()
    ring_size = _round_ring_size(ring_size)
    try:
        stream = connect_unix(_unix_of(address), timeout=timeout, send_timeout=None)
    except Unreachable as error:
        # The same reasons as a unix:// dial, told with this address.
        raise Unreachable(str(error).replace(str(_unix_of(address)), str(address))) from None
    sock = _take_socket(stream)
    try:
        sock.setblocking(False)
        segment = _offer_segment(sock, ring_size)
    except OSError as error:
        sock.close()
        raise Unreachable(f"{address}: the listener left during the greeting: {error}") from None
    return ShmConnection(
        sock,
        segment,
        ring_size,
        listener_side=False,
        description=f"shm {address.path}",
        max_frame_size=max_frame_size,
        send_timeout=send_timeout,
    )
