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
while the consumer drains it. A producer that finds its ring empty past
its first 64 KiB writes a rewind marker and starts over at the beginning,
so request/reply traffic keeps to the first pages: a ring is 16 MiB of
address space by default, but memory is only used as large frames need it.

*Waiting.* A receiver first spins on the ``write`` counter, calling
``sched_yield`` between checks (a peer the scheduler put on the same CPU
then runs at once, and other threads get the GIL). The spin lasts twice the
recent gap between starting to wait and the frame being sent (read from the
record header), at least 20 µs and at most 150 µs: a wake-up costs 40-60 µs
on a busy VM, so the cap covers a peer's wake-up plus a short env step and
two peers that both slept once settle back into spinning. When replies come
later than the cap (a human-paced game, a long policy update) the budget
shrinks to nothing, so waiting costs no CPU. A turn of the spin that took
over 30 µs (a ``sched_yield`` that let another process run: the machine is
busy) ends the spin at once and zeroes the budget, which grows back as
replies come in time: on a loaded machine a spinning receiver only competes
with the other processes, its peer among them. It then sets its ``sleeping``
flag, checks the counter again and blocks in ``recv`` on the socket. A
producer that publishes and sees the flag writes one byte (a doorbell) to
the socket. Blocked producers of a full ring do the same with the ``writer
sleeping`` flag. Each sleep is a ``recv`` with a short kernel timeout (1 ms,
doubling up to 50 ms) after which the counter is checked again, so a lost
wake-up can only delay a frame, never hang; ``recv(timeout)`` is honoured
to the millisecond, and end of file on the socket (the peer closed or died)
raises :class:`~rlay.errors.ConnectionClosed` once the frames it sent
before are read. Two ends in one process never spin (it would only keep
the other thread from the GIL).

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
tested here. Either way the timed sleep loop remains the safety net.

Limits: peers must be on the same machine (and in the same container, as
they share a memory segment and a socket file); only the Python binding
speaks shm:// so far (engines dial tcp:// or unix://); the connection is
used by one thread at a time, like every connection; frames larger than
the ring (16 MiB per direction by default, see ``ring_size`` of
:func:`connect_shm`) are copied through it in pieces, with a wake-up per
ring-full; an accepted peer that does not greet within 2 s is dropped
(``accept`` may overrun its timeout by that much). Needs descriptor passing
(Linux, macOS, the BSDs).
"""

from __future__ import annotations

import json
import mmap
import os
import select
import socket
import tempfile
from time import monotonic

from rlay.address import Address
from rlay.errors import (
    AddressInUse,
    ConnectionClosed,
    InvalidAddress,
    ProtocolError,
    RlayError,
    Timeout,
    Unreachable,
)
from rlay.transports.base import Closable
from rlay.transports.shm_ring import (
    CONTROL_SIZE,
    MAGIC_WORD,
    RING_WORD,
    ShmConnection,
    deadline_after,
)
from rlay.transports.sockets import (
    DEFAULT_SEND_TIMEOUT,
    StreamConnection,
    StreamListener,
    connect_unix,
    listen_unix,
)
from rlay.wire import DEFAULT_MAX_FRAME_SIZE, HEADER

__all__ = [
    "DEFAULT_RING_SIZE",
    "ShmConnection",
    "ShmListener",
    "connect_shm",
    "listen_shm",
]

#: Bytes of each ring (one per direction) unless the dialer asks otherwise.
DEFAULT_RING_SIZE = 16 << 20
_MIN_RING_SIZE = 4096
_MAX_RING_SIZE = 1 << 30

_PROTOCOL = "rlay-shm"
_VERSION = 1
_MAGIC = 0x314D485359414C52  # b"RLAYSHM1" read as a little-endian word

_GREETING_TIMEOUT = 2.0  # how long an accepted peer may take to send its greeting
_MAX_GREETING = 4096


def _require_support() -> None:
    if not hasattr(socket, "AF_UNIX") or not hasattr(socket, "send_fds"):
        raise InvalidAddress(
            "shm:// addresses need Unix domain sockets that pass file descriptors, "
            "which are missing here"
        )


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
    return CONTROL_SIZE + 2 * ring_size


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
        with memoryview(segment) as whole, whole[:CONTROL_SIZE].cast("Q") as ctrl:
            ctrl[RING_WORD] = ring_size
            ctrl[MAGIC_WORD] = _MAGIC
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
    with memoryview(segment) as whole, whole[:CONTROL_SIZE].cast("Q") as ctrl:
        valid = ctrl[MAGIC_WORD] == _MAGIC and ctrl[RING_WORD] == ring_size
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


class ShmListener(Closable):
    """A Unix socket where peers come to share memory.

    ``accept`` may run in a loop in one thread while ``close()`` comes from
    another thread or a signal handler, as with
    :class:`~rlay.transports.sockets.StreamListener`. A peer that does not
    greet properly within a few seconds is dropped and the wait goes on.
    """

    _open_state = "listening"

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
        deadline = deadline_after(timeout)
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

    def _label(self) -> str:
        return self.address


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
    try:
        inner = listen_unix(
            _unix_of(address), max_frame_size=max_frame_size, backlog=backlog, send_timeout=None
        )
    except AddressInUse as error:
        raise AddressInUse(str(error).replace(str(_unix_of(address)), str(address))) from None
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
