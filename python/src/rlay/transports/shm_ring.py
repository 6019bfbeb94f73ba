"""The rings of the shm:// transport: one connection's frames in shared memory.

:mod:`rlay.transports.shm` sets up the segment and the socket and explains
the design; this module moves frames through the segment's two rings and
does the waiting (adaptive spin, then a doorbell on the socket).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import platform
import socket
import struct
import threading
from collections.abc import Callable, Sequence
from time import monotonic, monotonic_ns

from rlay.errors import ConnectionClosed, FrameTooLarge, ProtocolError, RlayError, Timeout
from rlay.transports.base import Frame, FramedConnection, LargeFrames, Payload, wait_limit
from rlay.transports.sockets import DEFAULT_SEND_TIMEOUT
from rlay.transports.spin import SPIN_CAP_NS, SpinBudget
from rlay.wire import DEFAULT_MAX_FRAME_SIZE, check_frame_size

__all__ = ["CONTROL_SIZE", "MAGIC_WORD", "RING_WORD", "ShmConnection", "deadline_after"]

# Segment: a control page, then the ring of channel 0 (dialer -> listener),
# then the ring of channel 1 (listener -> dialer).
CONTROL_SIZE = 4096
# Indices of 8-byte control words. Each word sits on its own 128-byte line
# pair so that the two processes never write the same cache line.
MAGIC_WORD = 0
RING_WORD = 1
_PID_WORDS = (2, 3)  # the dialer's and the listener's process ids
_WRITE, _READ, _READER_SLEEPS, _WRITER_SLEEPS = 0, 16, 32, 48  # offsets within a channel


def _channel_base(channel: int) -> int:
    return 16 + 64 * channel


_RECORD = struct.Struct("=QQ")  # payload length, sender's monotonic_ns
_RECORD_SIZE = _RECORD.size  # 16: records are padded to this, so headers never wrap
_ALIGN_MASK = ~(_RECORD_SIZE - 1)

_SLEEP_FIRST_MS = 1.0
_SLEEP_MAX_MS = 50.0
_DRAIN_SIZE = 4096
_JOIN_MAX = 4096  # payloads up to this are joined to their header and copied once
_OWN_FRAME = 1 << 20  # frames above this are received into a bytearray of their own
# A record length that means "continue at the ring's beginning".
_REWIND = 0xFFFFFFFFFFFFFFFF
_REWIND_AFTER = 64 * 1024  # an empty ring is rewound past this offset (or half the ring)
_DOORBELL = b"\x01"

# Where stores are not kept in order (anything but x86), copies and counters
# get a fence between them too.
_TOTAL_STORE_ORDER = platform.machine().lower() in {"x86_64", "amd64", "i386", "i686", "x86"}

_EOF = "peer closed the connection"

# sched_yield releases the GIL and lets a runnable process on this CPU (the
# peer, if the scheduler put both here) run before the spin goes on.
_yield: Callable[[], None] = getattr(os, "sched_yield", lambda: None)


# One turn of the spin (a check and a sched_yield) takes about a microsecond when this
# CPU has nothing else to run; a turn this long means another process ran meanwhile.
_PREEMPTED_NS = 30_000

_MSG_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)
_TIMEVAL = struct.Struct("@ll")


def _timeval(milliseconds: float) -> bytes:
    """A receive timeout for setsockopt; never zero, which would mean forever."""
    seconds, rest = divmod(milliseconds / 1000.0, 1.0)
    return _TIMEVAL.pack(int(seconds), max(int(rest * 1e6), 0 if seconds else 1))


def _padded(size: int) -> int:
    return (size + 2 * _RECORD_SIZE - 1) & _ALIGN_MASK


class ShmConnection(FramedConnection):
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
        # Blocking, with a kernel receive timeout: a sleeper waits in recv
        # itself, which wakes faster than poll followed by recv.
        sock.setblocking(True)
        self._sock = sock
        self._wait_ms = -1.0  # the receive timeout the socket has now
        self._mm = segment
        self._ctrl = memoryview(segment)[:CONTROL_SIZE].cast("Q")
        self._cap = ring_size
        self._mask = ring_size - 1
        self._rewind_after = min(_REWIND_AFTER, ring_size // 2)
        out_channel, in_channel = (1, 0) if listener_side else (0, 1)
        self._out = _channel_base(out_channel)
        self._in = _channel_base(in_channel)
        self._out_data = CONTROL_SIZE + out_channel * ring_size
        self._in_data = CONTROL_SIZE + in_channel * ring_size
        self._w = self._ctrl[self._out + _WRITE]
        self._r = self._ctrl[self._in + _READ]
        # A lock this connection alone uses, held between fences: releasing
        # and re-acquiring it executes locked instructions (a full barrier).
        self._fence_lock = threading.Lock()
        self._fence_lock.acquire()
        mine, theirs = _PID_WORDS[::-1] if listener_side else _PID_WORDS
        self._pid = os.getpid()
        self._ctrl[mine] = self._pid
        self._peer_pid = theirs
        # Spinning for a peer in this very process only keeps it from the GIL.
        self._spin_allowed = True
        self._spin = SpinBudget()
        self._large = LargeFrames()
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
            self._sock.send(_DOORBELL, _MSG_DONTWAIT)
        except BlockingIOError:
            pass  # the peer has unread doorbells already
        except OSError:
            self._eof = True

    def _block(self, wait_ms: float) -> None:
        """Sleep in recv until a doorbell, end of file, or ``wait_ms`` milliseconds.

        Reads every pending doorbell at once; notes end of file.
        """
        try:
            if wait_ms <= 0.0:
                data = self._sock.recv(_DRAIN_SIZE, _MSG_DONTWAIT)
            else:
                if wait_ms != self._wait_ms:
                    self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(wait_ms))
                    self._wait_ms = wait_ms
                data = self._sock.recv(_DRAIN_SIZE)
        except (BlockingIOError, TimeoutError, InterruptedError):
            return
        except OSError:
            self._eof = True
            return
        if not data:
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
            delay = _SLEEP_FIRST_MS
            slept = False
            while not ready():
                self._check_usable()
                if deadline is None:
                    wait = delay
                else:
                    remaining = (deadline - monotonic()) * 1000.0
                    if remaining <= 0.0 and slept:
                        raise on_timeout
                    wait = min(delay, max(remaining, 0.0))
                self._block(wait)
                slept = True
                delay = min(delay * 2.0, _SLEEP_MAX_MS)
        finally:
            ctrl[flag] = 0

    # -- receiving ----------------------------------------------------------

    def recv(self, timeout: float | None) -> Frame:
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

    def _recv(self, timeout: float | None) -> Frame:
        if self._partial is not None:
            return self._recv_rest(self._partial, deadline_after(timeout), timeout)
        ctrl = self._ctrl
        r = self._r
        written = ctrl[self._in + _WRITE]
        deadline = None
        if written == r:
            deadline = deadline_after(timeout)
            written = self._wait_for_data(r, deadline, timeout)
        if not _TOTAL_STORE_ORDER:
            self._fence()
        pos = r & self._mask
        start = self._in_data + pos
        size, _ = _RECORD.unpack_from(self._mm, start)
        if size == _REWIND:
            # The writer started over at the ring's beginning; the record follows
            # there, published with this marker.
            r += self._cap - pos
            self._r = r
            pos = 0
            start = self._in_data
            size, _ = _RECORD.unpack_from(self._mm, start)
        if size > self.max_frame_size:
            raise self._fail(FrameTooLarge(size, self.max_frame_size))
        padded = _padded(size)
        available = written - r
        if available < _RECORD_SIZE or available > self._cap:
            raise self._fail(ProtocolError(f"corrupt shared-memory ring ({self.description})"))
        if available < padded:
            if deadline is None:
                deadline = deadline_after(timeout)
            partial = _Partial(size, padded, self._large.take(size))
            self._consume(_RECORD_SIZE)
            self._partial = partial
            return self._recv_rest(partial, deadline, timeout)
        start += _RECORD_SIZE
        end = pos + _RECORD_SIZE + size
        if end <= self._cap and size > _OWN_FRAME:
            # A large frame is copied once, into a bytearray that becomes the caller's
            # frame (see Frame): slicing the map would copy it, and decoding again.
            own = self._large.take(size)
            with memoryview(self._mm) as segment:
                own[:] = segment[start : start + size]
            data: Frame = own
        elif end <= self._cap:
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
        if self._spin_allowed and ctrl[self._peer_pid] == self._pid:
            self._spin_allowed = False
        spin_end = started + (self._spin.ns if self._spin_allowed else 0)
        if deadline is not None:
            spin_end = min(spin_end, int(deadline * 1e9))
        written = ctrl[index]
        last = started
        while written == r:
            now = monotonic_ns()
            if now >= spin_end:
                break
            if now - last > _PREEMPTED_NS:
                # The last turn lost the CPU to another process: this machine is busy,
                # and spinning on would compete with it (and perhaps with the peer) for a
                # core. Sleep on the doorbell now; the budget grows back as replies come.
                self._spin.ns = 0
                break
            last = now
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
        self._spin.adapt(max(sent - started, 0))

    def _recv_rest(self, partial: _Partial, deadline: float | None, timeout: float | None) -> Frame:
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
                if available < 0 or available > self._cap:
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
        partial.view.release()
        return partial.buffer  # the caller's own (see Frame): no copy

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
        self._send_views([payload], size)

    def send_parts(self, parts: Sequence[Payload]) -> None:
        """Send the concatenation of ``parts`` as one frame, each part copied straight
        into the ring (a large observation is not joined to its message first).

        >>> connection.send_parts([b"\\x0a", memoryview(b"\\x00")])  # doctest: +SKIP
        """
        self._check_usable()
        views: list[Payload] = [p if type(p) is bytes else memoryview(p).cast("B") for p in parts]
        size = sum(map(len, views))
        if size <= _JOIN_MAX:
            views = [b"".join(views)]
        self._send_views(views, size)

    def _send_views(self, views: list[Payload], size: int) -> None:
        check_frame_size(size, self.max_frame_size)
        self._busy = True
        try:
            self._send(views, size)
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

    def _send(self, views: list[Payload], size: int) -> None:
        ctrl = self._ctrl
        cap = self._cap
        w = self._w
        padded = _padded(size)
        read = ctrl[self._out + _READ]
        if padded > cap - (w - read):
            self._send_pieces(views, size)
            return
        pos = w & self._mask
        mm = self._mm
        stamp = monotonic_ns()
        if w == read and pos > self._rewind_after and padded <= pos:
            # The ring is empty: start over at its beginning, so that small
            # frames keep to the first pages and the rest is never touched.
            mm[self._out_data + pos : self._out_data + pos + _RECORD_SIZE] = _RECORD.pack(
                _REWIND, stamp
            )
            w += cap - pos
            pos = 0
        start = self._out_data + pos
        header = _RECORD.pack(size, stamp)
        if pos + _RECORD_SIZE + size <= cap and size <= _JOIN_MAX and len(views) == 1:
            mm[start : start + _RECORD_SIZE + size] = header + views[0]  # one copy
        else:
            mm[start : start + _RECORD_SIZE] = header
            at = pos + _RECORD_SIZE
            for view in views:
                at = self._copy_in(at, view)
        self._publish(w + padded)

    def _copy_in(self, at: int, view: Payload) -> int:
        """Copy ``view`` into the outgoing ring from offset ``at`` on, wrapping at its end;
        the offset after it."""
        cap = self._cap
        base = self._out_data
        mm = self._mm
        if at >= cap:
            at -= cap
        count = len(view)
        room = cap - at
        if count <= room:
            mm[base + at : base + at + count] = view
            return at + count
        with memoryview(view) as whole:
            mm[base + at : base + cap] = whole[:room]
            mm[base : base + count - room] = whole[room:]
        return count - room

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

    def _send_pieces(self, views: list[Payload], size: int) -> None:
        """Stream a record through the ring as the reader frees room."""
        deadline = deadline_after(self.send_timeout)
        header = _RECORD.pack(size, monotonic_ns())
        padding = bytes(_padded(size) - _RECORD_SIZE - size)
        try:
            for part in (header, *views, padding):
                with memoryview(part) as view:
                    self._write_part(view, deadline)
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

        spin_end = monotonic_ns() + (SPIN_CAP_NS if self._spin_allowed else 0)
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
        # shutdown wakes a recv in another thread and tells the peer at once.
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

    def fileno(self) -> int:
        """The socket's file descriptor (readable when the peer rings or leaves)."""
        return self._sock.fileno()


class _Partial:
    """A frame being collected from the ring in pieces."""

    def __init__(self, size: int, padded: int, buffer: bytearray) -> None:
        self.size = size
        self.body = padded - _RECORD_SIZE  # bytes after the header, padding included
        self.received = 0
        self.buffer = buffer
        self.view = memoryview(self.buffer)


def deadline_after(timeout: float | None) -> float | None:
    limit = wait_limit(timeout)
    return None if limit is None else monotonic() + limit
