"""The ws:// transport against hostile clients; the shared cases are in test_transports.py.

Each hostile client (bytes that are no HTTP, an upgrade that never completes,
text messages, an oversized message, broken WebSocket frames) ends only its
own connection: a well-behaved client dialled after it is served at once.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import struct
from collections.abc import Iterator

import pytest

from rlay.errors import ConnectionClosed, FrameTooLarge, ProtocolError, RlayError, Timeout
from rlay.transports import Connection, Listener, connect, listen

websockets_sync = pytest.importorskip("websockets.sync.client")

pytestmark = pytest.mark.timeout(60)

WAIT = 5.0


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = listen("ws://127.0.0.1:0", side="env", max_frame_size=4096)
    yield server
    server.close()


def _port(listener: Listener) -> int:
    return int(listener.address.rpartition(":")[2])


def raw_socket(listener: Listener) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", _port(listener)), timeout=WAIT)
    sock.settimeout(WAIT)
    return sock


def upgraded_socket(listener: Listener) -> socket.socket:
    """A plain socket that completed the WebSocket upgrade by hand."""
    sock = raw_socket(listener)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        assert chunk, "the listener closed during the upgrade"
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def client_frame(opcode: int, payload: bytes, length: int | None = None) -> bytes:
    """One masked client frame; ``length`` may claim more than the payload."""
    size = len(payload) if length is None else length
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


def closed_by_listener(sock: socket.socket) -> bool:
    """True when the listener ends this connection within WAIT seconds."""
    with contextlib.suppress(ConnectionResetError):
        while True:
            try:
                if not sock.recv(65536):
                    return True
            except TimeoutError:
                return False
    return True


def served_well(listener: Listener) -> None:
    """A well-behaved client is accepted and served while the hostile ones linger."""
    agent = connect(listener.address, side="agent", timeout=WAIT)
    env = listener.accept(timeout=WAIT)
    try:
        agent.send(b"hello")
        assert env.recv(timeout=WAIT) == b"hello"
        env.send(b"world")
        assert agent.recv(timeout=WAIT) == b"world"
    finally:
        agent.close()
        env.close()


def test_garbage_instead_of_an_upgrade(listener: Listener) -> None:
    sock = raw_socket(listener)
    try:
        sock.sendall(b"\x00\xff garbage that is no HTTP request\r\n\r\n")
        assert closed_by_listener(sock)
        served_well(listener)
    finally:
        sock.close()


def test_upgrade_never_completed_does_not_block_others(listener: Listener) -> None:
    silent = raw_socket(listener)
    half = raw_socket(listener)
    try:
        half.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and nothing more
        served_well(listener)
        served_well(listener)
    finally:
        silent.close()
        half.close()


def test_text_message_is_a_protocol_error(listener: Listener) -> None:
    client = websockets_sync.connect(listener.address, proxy=None, compression=None, legacy=True)
    env = listener.accept(timeout=WAIT)
    try:
        client.send("a text message")
        with pytest.raises(ProtocolError, match="text message"):
            env.recv(timeout=WAIT)
        with pytest.raises(ProtocolError):  # the connection stays failed
            env.recv(timeout=WAIT)
        served_well(listener)
    finally:
        client.close()
        env.close()


def test_oversized_message_is_refused(listener: Listener) -> None:
    sock = upgraded_socket(listener)
    env = listener.accept(timeout=WAIT)
    try:
        # Only the header of a 1 GiB message: it must be refused without waiting for it.
        sock.sendall(client_frame(0x2, b"x" * 16, length=1 << 30))
        with pytest.raises(FrameTooLarge) as raised:
            env.recv(timeout=WAIT)
        assert raised.value.limit == 4096
        assert raised.value.size == 1 << 30
        assert closed_by_listener(sock)
        served_well(listener)
    finally:
        sock.close()
        env.close()


def test_broken_frames_end_only_that_connection(listener: Listener) -> None:
    sock = upgraded_socket(listener)
    env = listener.accept(timeout=WAIT)
    try:
        sock.sendall(b"\x8f\x00")  # a reserved opcode, unmasked: both are errors
        with pytest.raises(RlayError) as raised:
            env.recv(timeout=WAIT)
        assert isinstance(raised.value, ProtocolError | ConnectionClosed)
        assert closed_by_listener(sock)
        served_well(listener)
    finally:
        sock.close()
        env.close()


def test_binary_message_from_a_hand_made_frame(listener: Listener) -> None:
    """The listener reads plain RFC 6455 frames, as a browser sends them."""
    sock = upgraded_socket(listener)
    env: Connection = listener.accept(timeout=WAIT)
    try:
        sock.sendall(client_frame(0x2, b"\x0a\x00"))
        assert env.recv(timeout=WAIT) == b"\x0a\x00"
        env.send(b"reply")
        data = sock.recv(64)
        assert data == b"\x82\x05reply"  # server frames are unmasked, binary
    finally:
        sock.close()
        env.close()


def test_peer_gone_in_the_middle_of_a_message(listener: Listener) -> None:
    sock = upgraded_socket(listener)
    env = listener.accept(timeout=WAIT)
    try:
        sock.sendall(client_frame(0x2, b"x" * 10, length=100))
        sock.close()
        with pytest.raises(ConnectionClosed):
            env.recv(timeout=WAIT)
    finally:
        env.close()


def test_recv_timeout_keeps_the_connection(listener: Listener) -> None:
    agent = connect(listener.address, side="agent", timeout=WAIT)
    env = listener.accept(timeout=WAIT)
    try:
        with pytest.raises(Timeout):
            env.recv(timeout=0.05)
        agent.send(b"late")
        assert env.recv(timeout=WAIT) == b"late"
    finally:
        agent.close()
        env.close()
