"""Framing: every message travels as a u32 little-endian length and that many bytes.

The stream transports (tcp, unix) read frames straight off the socket; this
module holds the pieces that do not depend on a socket, so that tests, tools
and other byte sources share one definition of a frame::

    >>> encode_frame(b"hi")
    b'\\x02\\x00\\x00\\x00hi'
    >>> decoder = FrameDecoder()
    >>> decoder.feed(b"\\x02\\x00\\x00")
    []
    >>> decoder.feed(b"\\x00hi\\x00\\x00\\x00\\x00")
    [b'hi', b'']
"""

from __future__ import annotations

import struct

from rlay.errors import FrameTooLarge

__all__ = [
    "DEFAULT_MAX_FRAME_SIZE",
    "HEADER",
    "MAX_FRAME_SIZE_LIMIT",
    "FrameDecoder",
    "check_frame_size",
    "encode_frame",
    "frame_header",
]

#: Frames larger than this are refused unless a transport is told otherwise.
DEFAULT_MAX_FRAME_SIZE = 256 * 1024 * 1024

#: The largest length a u32 prefix can express.
MAX_FRAME_SIZE_LIMIT = 0xFFFFFFFF

#: The length prefix of a frame.
HEADER = struct.Struct("<I")

_Bytes = bytes | bytearray | memoryview


def check_frame_size(size: int, limit: int) -> None:
    """Raise :class:`FrameTooLarge` when ``size`` exceeds ``limit`` (or a u32).

    >>> check_frame_size(10, 100)
    >>> check_frame_size(101, 100)
    Traceback (most recent call last):
    ...
    rlay.errors.FrameTooLarge: frame of 101 bytes exceeds the maximum frame size of 100 bytes
    """
    if size > limit or size > MAX_FRAME_SIZE_LIMIT:
        raise FrameTooLarge(size, min(limit, MAX_FRAME_SIZE_LIMIT))


def frame_header(size: int) -> bytes:
    """The 4-byte prefix of a frame of ``size`` bytes, for scatter-gather sends.

    >>> frame_header(258)
    b'\\x02\\x01\\x00\\x00'
    """
    check_frame_size(size, MAX_FRAME_SIZE_LIMIT)
    return HEADER.pack(size)


def encode_frame(payload: _Bytes) -> bytes:
    """Return ``payload`` with its length prefix in front.

    >>> encode_frame(b"")
    b'\\x00\\x00\\x00\\x00'
    """
    size = memoryview(payload).nbytes
    return frame_header(size) + payload


class FrameDecoder:
    """Cut an arbitrary byte stream into frames.

    ``feed`` takes whatever bytes arrived and returns the frames completed by
    them, in order. A length prefix above ``max_frame_size`` raises
    :class:`FrameTooLarge` as soon as its 4 bytes are in, before any of the
    body is buffered; the decoder is then unusable (the stream cannot be
    resynchronised).

    >>> decoder = FrameDecoder(max_frame_size=4)
    >>> decoder.feed(b"\\x01\\x00\\x00\\x00a\\x09\\x00")
    [b'a']
    >>> decoder.feed(b"\\x00\\x00")
    Traceback (most recent call last):
    ...
    rlay.errors.FrameTooLarge: frame of 9 bytes exceeds the maximum frame size of 4 bytes
    """

    def __init__(self, max_frame_size: int = DEFAULT_MAX_FRAME_SIZE) -> None:
        self.max_frame_size = max_frame_size
        self._buffer = bytearray()
        # Length of the frame whose body is being collected, or -1 while the
        # next header is incomplete.
        self._size = -1
        self._failed: FrameTooLarge | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned (not counting parsed headers)."""
        return len(self._buffer)

    @property
    def in_frame(self) -> bool:
        """True when part of a frame (header or body) has arrived but not all of it."""
        return self._size >= 0 or len(self._buffer) > 0

    def feed(self, data: _Bytes) -> list[bytes]:
        """Add ``data`` and return every frame it completes."""
        if self._failed is not None:
            raise self._failed
        buffer = self._buffer
        buffer += data
        frames: list[bytes] = []
        offset = 0
        available = len(buffer)
        while True:
            if self._size < 0:
                if available - offset < HEADER.size:
                    break
                (size,) = HEADER.unpack_from(buffer, offset)
                offset += HEADER.size
                try:
                    check_frame_size(size, self.max_frame_size)
                except FrameTooLarge as error:
                    self._failed = error
                    del buffer[:]
                    raise
                self._size = size
            if available - offset < self._size:
                break
            frames.append(bytes(buffer[offset : offset + self._size]))
            offset += self._size
            self._size = -1
        if offset:
            del buffer[:offset]
        return frames
