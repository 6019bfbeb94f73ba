"""Misbehaving peers end to end: bad frames, wrong actions, dead or frozen hosts."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from conftest import TIMEOUT, Opener

import rlay
from rlay.address import parse_address
from rlay.v1 import session_pb2

pytestmark = pytest.mark.timeout(60)


def raw_socket(address: str) -> socket.socket:
    """A plain socket to a tcp:// or unix:// address, bypassing rlay's framing."""
    parsed = parse_address(address)
    if parsed.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(parsed.path))
    else:
        sock = socket.create_connection((parsed.host, parsed.port))
    sock.settimeout(TIMEOUT)
    return sock


def read_reply(sock: socket.socket) -> session_pb2.SessionResponse | None:
    """The next frame from the host, or None if it closed the connection."""
    header = _read_exactly(sock, 4)
    if header is None:
        return None
    (size,) = struct.unpack("<I", header)
    payload = _read_exactly(sock, size)
    assert payload is not None, "the host closed in the middle of a frame"
    reply = session_pb2.SessionResponse()
    reply.ParseFromString(payload)
    return reply


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            chunk = sock.recv(size - len(data))
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


def frame(message: Any) -> bytes:
    payload = message.SerializeToString()
    return struct.pack("<I", len(payload)) + payload


@pytest.fixture(params=["tcp", "unix"])
def stream_transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


BAD_INPUTS = {
    "garbage": b"\x08\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff",
    "4gib_length": b"\xff\xff\xff\xff",
    "truncated": b"\x40\x00\x00\x00\x0a\x02",
}


@pytest.mark.parametrize("bad", sorted(BAD_INPUTS))
def test_bad_frames_close_only_that_connection(
    opener: Opener, stream_transport: str, bad: str
) -> None:
    host = opener.host("CartPole-v1", stream_transport)
    healthy = rlay.ClientEnv(host.address, timeout=TIMEOUT)
    healthy.reset(seed=0)
    sock = raw_socket(host.address)
    sock.sendall(BAD_INPUTS[bad])
    if bad == "truncated":
        sock.shutdown(socket.SHUT_WR)  # the rest of the frame never comes
    reply = read_reply(sock)
    if reply is not None:
        expected = (
            session_pb2.ERROR_CODE_FRAME_TOO_LARGE
            if bad == "4gib_length"
            else session_pb2.ERROR_CODE_PROTOCOL
        )
        assert reply.error.code == expected, reply
        assert read_reply(sock) is None  # and then the host closes
    else:
        assert bad == "truncated"  # only a cut-off frame may end without an error frame
    sock.close()
    for _ in range(5):
        healthy.step(0)
    other = rlay.ClientEnv(host.address, timeout=TIMEOUT)
    assert other.reset(seed=1)[0].shape == (4,)
    other.close()
    healthy.close()


def test_wrong_action_shape_is_refused_locally_and_the_session_goes_on(
    opener: Opener, mode: str
) -> None:
    env = opener.open("MountainCarContinuous-v0", mode)
    env.reset(seed=0)
    with pytest.raises(rlay.InvalidValue, match=r"actions.*shape"):
        env.step(np.zeros(2, dtype=np.float32))
    with pytest.raises(rlay.InvalidValue):
        env.step(np.array(["a"]))
    obs, *_ = env.step(np.zeros(1, dtype=np.float32))
    assert obs.shape == (2,)


def test_wrong_discrete_action_is_refused(opener: Opener) -> None:
    env = opener.open("CartPole-v1")
    env.reset(seed=0)
    with pytest.raises(rlay.InvalidValue):
        env.step(0.5)
    assert env.step(1)[0].shape == (4,)


def test_a_raw_step_with_the_wrong_shape_gets_invalid_argument(
    opener: Opener, stream_transport: str
) -> None:
    host = opener.host("MountainCarContinuous-v0", stream_transport)
    sock = raw_socket(host.address)
    hello = session_pb2.SessionRequest()
    hello.hello.protocol_version.major = 1
    sock.sendall(frame(hello))
    assert read_reply(sock).WhichOneof("kind") == "hello"  # type: ignore[union-attr]
    reset = session_pb2.SessionRequest()
    reset.reset.SetInParent()
    sock.sendall(frame(reset))
    assert read_reply(sock).WhichOneof("kind") == "reset"  # type: ignore[union-attr]
    step = session_pb2.SessionRequest()
    tensor = step.step.actions.tensor
    tensor.dtype = 11  # float32
    tensor.shape[:] = [1, 3]
    tensor.data = np.zeros(3, np.float32).tobytes()
    sock.sendall(frame(step))
    reply = read_reply(sock)
    assert reply is not None
    assert reply.error.code == session_pb2.ERROR_CODE_INVALID_ARGUMENT
    assert "shape" in reply.error.message
    tensor.shape[:] = [1, 1]
    tensor.data = np.zeros(1, np.float32).tobytes()
    sock.sendall(frame(step))
    reply = read_reply(sock)
    assert reply is not None
    assert reply.WhichOneof("kind") == "step"
    sock.close()


@pytest.fixture
def serve_process() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m rlay serve CartPole-v1`` in a child process, and its address."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rlay", "serve", "CartPole-v1"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("rlay: listening on "), line
    yield process, line.split()[-1]
    if process.poll() is None:
        os.kill(process.pid, signal.SIGCONT)
        process.kill()
    process.wait(TIMEOUT)
    process.stdout.close()


def test_host_killed_mid_episode_raises_connection_closed(
    serve_process: tuple[subprocess.Popen[str], str],
) -> None:
    process, address = serve_process
    env = rlay.ClientEnv(address, timeout=5.0)
    env.reset(seed=0)
    env.step(0)
    process.kill()
    process.wait(TIMEOUT)
    start = time.monotonic()
    with pytest.raises(rlay.ConnectionClosed):
        env.step(0)
    assert time.monotonic() - start < 5.0
    with pytest.raises(rlay.ConnectionClosed):
        env.step(0)
    env.close()


def test_frozen_host_raises_timeout(serve_process: tuple[subprocess.Popen[str], str]) -> None:
    process, address = serve_process
    env = rlay.ClientEnv(address, timeout=TIMEOUT)
    env.reset(seed=0)
    env.timeout = 0.5
    os.kill(process.pid, signal.SIGSTOP)
    start = time.monotonic()
    with pytest.raises(rlay.Timeout):
        env.step(0)
    assert time.monotonic() - start < 3.0
    env.close()
