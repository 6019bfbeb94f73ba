"""Raw frames over ws://: the stream cases' bytes, carried as hand-made WebSocket frames.

The raw cases write the stream transports' form (u32 length + payload). Over
ws:// every complete frame becomes one binary WebSocket message; a length whose
payload never fully arrives becomes a WebSocket frame header claiming that
length followed by the bytes that did arrive (so "4 GiB prefix", "truncated
frame" and "stuck half frame" mean the same thing on both transports); fewer
than four bytes of a prefix become a partial WebSocket header. Frames are made
here byte by byte (RFC 6455), independent of rlay and of the websockets package.

    >>> ws_header(2, 5, masked=False)
    b'\\x82\\x05'
"""

from __future__ import annotations

import base64
import hashlib
import os
import select
import socket
import struct
import time
from collections.abc import Callable

import numpy as np

from runner.raw import Raw, wait_for_dial

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_BINARY, _CLOSE, _PING, _PONG = 0x2, 0x8, 0x9, 0xA


def ws_header(opcode: int, size: int, *, masked: bool) -> bytes:
    """The header of one final frame of ``size`` payload bytes (without the mask key)."""
    mask_bit = 0x80 if masked else 0
    if size < 126:
        return struct.pack("!BB", 0x80 | opcode, mask_bit | size)
    if size < 1 << 16:
        return struct.pack("!BBH", 0x80 | opcode, mask_bit | 126, size)
    return struct.pack("!BBQ", 0x80 | opcode, mask_bit | 127, size)


def _masked(data: bytes, mask: bytes, offset: int = 0) -> bytes:
    """data XOR the 4-byte mask, the mask starting at its byte ``offset`` (RFC 6455 5.3)."""
    if not data:
        return b""
    key = np.frombuffer(mask[offset % 4 :] + mask[: offset % 4], dtype=np.uint8)
    return (np.frombuffer(data, dtype=np.uint8) ^ np.resize(key, len(data))).tobytes()


def _accept_key(key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(key + _GUID).digest())


def _read_http(sock: socket.socket, deadline: float) -> tuple[bytes, bytes]:
    """The HTTP head (up to the blank line) and whatever followed it."""
    data = b""
    while b"\r\n\r\n" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no complete WebSocket upgrade within the timeout")
        ready, _, _ = select.select([sock], [], [], remaining)
        if ready:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("the peer closed the connection during the upgrade")
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


class RawWs(Raw):
    """A raw connection that speaks WebSocket framing; every wait is bounded."""

    def __init__(self, sock: socket.socket, *, client: bool, leftover: bytes = b"") -> None:
        super().__init__(sock)
        self.client = client  # a client masks what it sends
        self.buffer = bytearray(leftover)  # raw WebSocket bytes not parsed yet (Raw._fill)
        self.pending = b""  # stream-form bytes not sent yet (an incomplete prefix)
        self.claimed = 0  # payload bytes still owed to a frame header already sent
        self.mask = b""
        self.mask_offset = 0
        self.peer_closed = False

    @classmethod
    def connect(cls, address: str, timeout: float = 10.0) -> RawWs:
        host, _, port = address[len("ws://") :].rpartition(":")
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((host or "127.0.0.1", int(port)), timeout=5.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        key = base64.b64encode(os.urandom(16))
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
        )
        head, rest = _read_http(sock, deadline)
        if not head.startswith(b"HTTP/1.1 101") or _accept_key(key) not in head:
            sock.close()
            raise ConnectionError(f"the WebSocket upgrade was refused: {head[:200]!r}")
        return cls(sock, client=True, leftover=rest)

    # -- sending: stream form -> WebSocket frames -------------------------------------

    def _write(self, header: bytes, payload: bytes) -> None:
        if self.client and header:
            self.mask = os.urandom(4)
            self.mask_offset = 0
            header += self.mask
        if self.client and payload:
            payload = _masked(payload, self.mask, self.mask_offset)
            self.mask_offset += len(payload)
        self.sock.sendall(header + payload)

    def send_bytes(self, data: bytes) -> None:
        if self.claimed:
            part, data = data[: self.claimed], data[self.claimed :]
            self.claimed -= len(part)
            self._write(b"", part)
        self.pending += data
        while len(self.pending) >= 4:
            (size,) = struct.unpack("<I", self.pending[:4])
            payload = self.pending[4 : 4 + size]
            self.pending = self.pending[4 + size :]
            self._write(ws_header(_BINARY, size, masked=self.client), payload)
            self.claimed = size - len(payload)
        if self.pending and not self.claimed:
            # A prefix cut short: the first byte of a WebSocket header, and no more.
            self.sock.sendall(bytes([0x80 | _BINARY]))
            self.pending = b""

    def send(self, request: object) -> None:
        payload = request.SerializeToString()  # type: ignore[attr-defined]
        self._write(ws_header(_BINARY, len(payload), masked=self.client), payload)

    # -- receiving: WebSocket frames -> frames -----------------------------------------

    def _frame(self, deadline: float) -> tuple[int, bool, bytes] | None:
        """(opcode, final, payload) of the next WebSocket frame; None at the end."""
        if self.peer_closed or not self._fill(2, deadline):
            return None
        first, second = self.buffer[0], self.buffer[1]
        size, offset = second & 0x7F, 2
        if size == 126:
            if not self._fill(4, deadline):
                return None
            (size,) = struct.unpack_from("!H", self.buffer, 2)
            offset = 4
        elif size == 127:
            if not self._fill(10, deadline):
                return None
            (size,) = struct.unpack_from("!Q", self.buffer, 2)
            offset = 10
        mask = b""
        if second & 0x80:
            if not self._fill(offset + 4, deadline):
                return None
            mask, offset = bytes(self.buffer[offset : offset + 4]), offset + 4
        if not self._fill(offset + size, deadline):
            return None
        payload = bytes(self.buffer[offset : offset + size])
        del self.buffer[: offset + size]
        if mask:
            payload = _masked(payload, bytes(mask))
        return first & 0x0F, bool(first & 0x80), payload

    def recv_frame(self, timeout: float = 10.0) -> bytes | None:
        deadline = time.monotonic() + timeout
        message = b""
        while True:
            frame = self._frame(deadline)
            if frame is None:
                return None
            opcode, final, payload = frame
            if opcode == _CLOSE:
                self.peer_closed = True
                return None
            if opcode == _PING:
                self._write(ws_header(_PONG, len(payload), masked=self.client), payload)
                continue
            if opcode == _PONG:
                continue
            message += payload
            if final:
                return message

    def closed_within(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.recv_frame(max(deadline - time.monotonic(), 0.01)) is None:
                    return True
            except TimeoutError:
                return False
        return False


class RawWsListener:
    """A listening socket that answers WebSocket upgrades itself (server mode)."""

    def __init__(self, address: str) -> None:
        host, _, port = address[len("ws://") :].rpartition(":")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host or "127.0.0.1", int(port)))
        self.sock.listen(4)
        bound_host, bound_port = self.sock.getsockname()[:2]
        self.address = f"ws://{bound_host}:{bound_port}"

    def accept(self, timeout: float = 15.0, alive: Callable[[], bool] | None = None) -> RawWs:
        deadline = time.monotonic() + timeout
        wait_for_dial(self.sock, self.address, timeout, alive)
        conn, _ = self.sock.accept()
        conn.settimeout(10.0)
        head, rest = _read_http(conn, deadline + 10.0)
        key = b""
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"sec-websocket-key":
                key = value.strip()
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + _accept_key(key) + b"\r\n\r\n"
        )
        return RawWs(conn, client=False, leftover=rest)

    def close(self) -> None:
        self.sock.close()
