"""Transports: tcp, unix, shm, ws and grpc (both services) carry frames both ways, fail clearly."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pytest

from rlay.errors import (
    AddressInUse,
    ConnectionClosed,
    FrameTooLarge,
    ProtocolError,
    RlayError,
    Timeout,
    Unreachable,
)
from rlay.transports import Connection, Listener, StreamConnection, connect, listen
from rlay.transports.base import LargeFrames
from rlay.transports.spin import SPIN_CAP_NS, SPIN_FLOOR_NS, SpinBudget
from rlay.wire import DEFAULT_MAX_FRAME_SIZE, encode_frame

pytestmark = pytest.mark.timeout(60)

WAIT = 5.0  # generous bound for things that should happen at once
IN_CI = os.environ.get("CI", "").lower() == "true"
HAS_GRPC = importlib.util.find_spec("grpc") is not None
HAS_WS = importlib.util.find_spec("websockets") is not None
# (scheme, side that listens)
KINDS = {
    "tcp": ("tcp", "env"),
    "unix": ("unix", "env"),
    "shm": ("shm", "env"),
    "ws": ("ws", "env"),
    "grpc-env-listens": ("grpc", "env"),
    "grpc-agent-listens": ("grpc", "agent"),
}
LARGE = 16 * 1024 * 1024
# More than loopback TCP buffers can swallow once autotuned (rmem max 32 MiB + wmem).
UNSENDABLE = 64 * 1024 * 1024


def _require_ws() -> None:
    if not HAS_WS:
        if IN_CI:
            pytest.fail("websockets is not installed (CI=true: a missing toolchain fails)")
        pytest.skip("websockets is not installed")


def _require_grpc() -> None:
    if not HAS_GRPC:
        if IN_CI:
            pytest.fail("grpcio is not installed (CI=true: a missing toolchain fails)")
        pytest.skip("grpcio is not installed")


@pytest.fixture
def sock_dir() -> Iterator[str]:
    """A short directory: Unix socket paths are limited to about 100 bytes."""
    path = tempfile.mkdtemp(prefix="rlay-t-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@dataclass
class Pair:
    listener: Listener
    agent: Connection
    env: Connection


class Opened:
    """Opens listeners and connections and closes all of them after the test."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._closables: list[Listener | Connection] = []

    def address(self, kind: str, name: str = "s") -> str:
        scheme, _ = KINDS[kind]
        if scheme == "grpc":
            _require_grpc()
        if scheme == "ws":
            _require_ws()
        if scheme in ("unix", "shm"):
            return f"{scheme}://{self.directory}/{name}.sock"
        return f"{scheme}://127.0.0.1:0"

    def listen(self, kind: str, **options: int) -> Listener:
        _, side = KINDS[kind]
        listener = listen(self.address(kind), side=side, **options)  # type: ignore[arg-type]
        self._closables.append(listener)
        return listener

    def dial(self, kind: str, listener: Listener, **options: int) -> Connection:
        _, listening_side = KINDS[kind]
        side = "agent" if listening_side == "env" else "env"
        connection = connect(listener.address, side=side, timeout=WAIT, **options)  # type: ignore[arg-type]
        self._closables.append(connection)
        return connection

    def accept(self, listener: Listener) -> Connection:
        connection = listener.accept(timeout=WAIT)
        self._closables.append(connection)
        return connection

    def pair(self, kind: str, **options: int) -> Pair:
        listener = self.listen(kind, **options)
        dialled = self.dial(kind, listener, **options)
        accepted = self.accept(listener)
        if KINDS[kind][1] == "env":
            return Pair(listener, agent=dialled, env=accepted)
        return Pair(listener, agent=accepted, env=dialled)

    def close(self) -> None:
        for closable in reversed(self._closables):
            with contextlib.suppress(Exception):
                closable.close()


@pytest.fixture
def opened(sock_dir: str) -> Iterator[Opened]:
    opened = Opened(sock_dir)
    yield opened
    opened.close()


@pytest.fixture(params=list(KINDS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["tcp", "unix"])
def stream_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def in_thread(function: Callable[[], object]) -> Callable[[], None]:
    """Run ``function`` in a thread; the returned callable joins it and re-raises."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            function()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join() -> None:
        thread.join(WAIT * 4)
        assert not thread.is_alive(), "the thread did not finish"
        if errors:
            raise errors[0]

    return join


def exchange(sender: Connection, receiver: Connection, payload: bytes) -> None:
    """Send from a thread (large frames exceed socket buffers) and check what arrives."""
    join = in_thread(lambda: sender.send(payload))
    received = receiver.recv(timeout=WAIT * 4)
    join()
    # A frame is the caller's own: bytes, or (large frames) the bytearray it came in.
    assert type(received) is bytes or (type(received) is bytearray and len(received) > 2**20)
    assert len(received) == len(payload)
    assert received == payload


def raw_peer(listener: Listener) -> socket.socket:
    """A plain socket dialled into a tcp or unix listener, to send arbitrary bytes."""
    scheme, _, rest = listener.address.partition("://")
    if scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(rest)
    else:
        host, _, port = rest.rpartition(":")
        sock = socket.create_connection((host, int(port)), timeout=WAIT)
    sock.settimeout(WAIT)
    return sock


# -- frames both ways ---------------------------------------------------------


def test_frames_both_ways(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    for size in (0, 1, 64, 70_000, 1_500_000):
        payload = os.urandom(size)
        exchange(pair.agent, pair.env, payload)
        exchange(pair.env, pair.agent, payload[::-1])


def test_large_frames(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    payload = os.urandom(LARGE)
    exchange(pair.agent, pair.env, payload)
    exchange(pair.env, pair.agent, payload)
    # Small frames keep working after a large one.
    exchange(pair.agent, pair.env, b"small")


def test_send_accepts_bytes_like(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    pair.agent.send(bytearray(b"abc"))
    pair.agent.send(memoryview(b"defgh"))
    pair.agent.send(memoryview(bytes(40_000)))
    assert pair.env.recv(timeout=WAIT) == b"abc"
    assert pair.env.recv(timeout=WAIT) == b"defgh"
    assert pair.env.recv(timeout=WAIT) == bytes(40_000)


@pytest.fixture(params=["tcp", "unix", "shm"])
def gathering_kind(request: pytest.FixtureRequest) -> str:
    """The transports whose connections send a frame from parts (``send_parts``)."""
    return str(request.param)


def test_send_parts_is_one_frame_of_the_joined_parts(opened: Opened, gathering_kind: str) -> None:
    pair = opened.pair(gathering_kind)
    array = np.arange(3 * 2**20 // 4, dtype=np.float32).reshape(-1, 3)
    rounds = [
        [b"", b"ab", memoryview(b"cde")],  # small: joined with the header
        [b"head", memoryview(array[:2_000]), bytearray(b"tail")],  # 24 KB: gathered
        [b"head", memoryview(array), b"tail"],  # 3 MiB: more than the ring at once
    ]
    # Enough middle-sized frames that the shm ring wraps in the middle of one.
    rounds += [[os.urandom(1000), memoryview(array[: 1_000 + k])] for k in range(40)]
    for parts in rounds:
        expected = b"".join(bytes(memoryview(part).cast("B")) for part in parts)
        join = in_thread(lambda parts=parts: pair.env.send_parts(parts))  # type: ignore[attr-defined]
        received = pair.agent.recv(timeout=WAIT * 4)
        join()
        assert received == expected
    pair.env.send(b"after")  # the stream goes on
    assert pair.agent.recv(timeout=WAIT) == b"after"


def test_a_large_frame_the_caller_keeps_is_never_written_again(
    opened: Opened, gathering_kind: str
) -> None:
    pair = opened.pair(gathering_kind)
    payloads = [bytes([i]) * (2**20 + 5) for i in range(6)]
    kept = []
    for i, payload in enumerate(payloads):
        join = in_thread(lambda payload=payload: pair.env.send(payload))
        frame = pair.agent.recv(timeout=WAIT * 4)
        join()
        assert frame == payload
        if i % 2 == 0:
            kept.append(np.frombuffer(frame, np.uint8))  # an observation living in it
        del frame  # the others are dropped: their buffers may be received into again
    assert [bytes(array) for array in kept] == payloads[0::2]


def test_large_frame_buffers_come_back_only_when_nothing_refers_to_them() -> None:
    frames = LargeFrames()
    first = frames.take(100)
    first_id = id(first)  # stable: the pool keeps it alive
    view = memoryview(first)
    del first
    second = frames.take(100)
    assert second is not view.obj  # the view still uses the first one
    view.release()
    del view
    third = frames.take(100)  # the first is free now; the second is not
    assert id(third) == first_id
    assert frames.take(50) is not third  # another size: a new buffer


def test_many_frames_in_order(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    frames = [str(index).encode() * (index % 7) for index in range(200)]

    def send_all() -> None:
        for frame in frames:
            pair.agent.send(frame)

    join = in_thread(send_all)
    assert [pair.env.recv(timeout=WAIT) for _ in frames] == frames
    join()


def test_description_and_address(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    scheme, _ = KINDS[kind]
    assert pair.listener.address.startswith(f"{scheme}://")
    if scheme != "unix":
        assert not pair.listener.address.endswith(":0")
    assert pair.agent.description.startswith(f"{scheme} ")
    assert pair.env.description.startswith(f"{scheme} ")


# -- timeouts and closing -------------------------------------------------------


def test_recv_timeout_then_frame(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    started = time.monotonic()
    with pytest.raises(Timeout, match=r"within 0\.2 s"):
        pair.env.recv(timeout=0.2)
    assert 0.15 <= time.monotonic() - started < WAIT
    with pytest.raises(Timeout):
        pair.env.recv(timeout=0)
    # A timeout does not break the connection.
    exchange(pair.agent, pair.env, b"after the timeout")


def test_infinite_and_negative_timeouts(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    pair.agent.send(b"one")
    assert pair.env.recv(timeout=float("inf")) == b"one"
    with pytest.raises(Timeout):
        pair.env.recv(timeout=-1.0)
    with pytest.raises(Timeout):
        pair.listener.accept(timeout=-1.0)
    timer = threading.Timer(0.1, pair.listener.close)
    timer.start()
    with pytest.raises(ConnectionClosed):
        pair.listener.accept(timeout=float("inf"))
    timer.join()


def test_peer_close_is_connection_closed(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    pair.agent.send(b"last words")
    pair.agent.close()
    # What was sent before closing still arrives.
    assert pair.env.recv(timeout=WAIT) == b"last words"
    with pytest.raises(ConnectionClosed, match="peer closed the connection"):
        pair.env.recv(timeout=WAIT)
    # and keeps being reported
    with pytest.raises(ConnectionClosed):
        pair.env.recv(timeout=WAIT)


def test_accepted_side_close_is_seen_by_the_dialler(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    pair.env.close()
    with pytest.raises(ConnectionClosed):
        pair.agent.recv(timeout=WAIT)


def test_close_is_idempotent_and_final(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    pair.agent.close()
    pair.agent.close()
    with pytest.raises(ConnectionClosed, match="closed"):
        pair.agent.send(b"x")
    with pytest.raises(ConnectionClosed, match="closed"):
        pair.agent.recv(timeout=0.1)
    pair.listener.close()
    pair.listener.close()
    with pytest.raises(ConnectionClosed, match="closed"):
        pair.listener.accept(timeout=0.1)


def test_send_to_a_vanished_peer(opened: Opened, stream_kind: str) -> None:
    pair = opened.pair(stream_kind)
    pair.env.close()

    def keep_sending() -> None:
        for _ in range(50):  # the first sends may still fit in the socket buffer
            pair.agent.send(b"x" * 100_000)
            time.sleep(0.01)

    with pytest.raises(ConnectionClosed):
        keep_sending()


def test_close_from_another_thread_wakes_recv(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    timer = threading.Timer(0.2, pair.env.close)
    timer.start()
    started = time.monotonic()
    with pytest.raises(ConnectionClosed):
        pair.env.recv(timeout=WAIT * 2)
    assert time.monotonic() - started < WAIT
    timer.join()


def test_accept_timeout(opened: Opened, kind: str) -> None:
    listener = opened.listen(kind)
    started = time.monotonic()
    with pytest.raises(Timeout, match="nobody connected"):
        listener.accept(timeout=0.2)
    assert 0.15 <= time.monotonic() - started < WAIT


def test_close_interrupts_accept(opened: Opened, kind: str) -> None:
    listener = opened.listen(kind)
    timer = threading.Timer(0.2, listener.close)
    timer.start()
    started = time.monotonic()
    with pytest.raises(ConnectionClosed, match="listener"):
        listener.accept(timeout=WAIT * 2)
    assert time.monotonic() - started < WAIT
    timer.join()


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
def test_signal_handler_closes_a_listener_waiting_in_accept(opened: Opened, kind: str) -> None:
    listener = opened.listen(kind)
    previous = signal.signal(signal.SIGALRM, lambda number, frame: listener.close())
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        started = time.monotonic()
        with pytest.raises(ConnectionClosed, match="listener"):
            listener.accept(timeout=WAIT * 2)
        assert time.monotonic() - started < WAIT
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_listener_close_frees_the_address(opened: Opened, kind: str) -> None:
    listener = opened.listen(kind)
    address = listener.address
    listener.close()
    again = listen(address, side=KINDS[kind][1])  # type: ignore[arg-type]
    try:
        assert again.address == address
    finally:
        again.close()


def test_accepted_connections_outlive_the_listener(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind)
    pair.listener.close()
    exchange(pair.agent, pair.env, b"still here")
    exchange(pair.env, pair.agent, b"and back")


def test_send_timeout_when_the_peer_does_not_read(opened: Opened, stream_kind: str) -> None:
    listener = opened.listen(stream_kind)
    sender = connect(listener.address, side="agent", timeout=WAIT, send_timeout=0.3)
    opened._closables.append(sender)
    opened.accept(listener)  # never reads
    started = time.monotonic()
    with pytest.raises(Timeout, match="did not take a frame"):
        sender.send(bytes(UNSENDABLE))
    assert time.monotonic() - started < WAIT
    # Half a frame may have gone out, so the connection is closed.
    with pytest.raises(ConnectionClosed):
        sender.send(b"x")


def test_portable_fallbacks(
    opened: Opened, stream_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python-level timeouts and plain sendall, as used where the kernel ones are missing."""
    from rlay.transports import sockets

    monkeypatch.setattr(sockets, "_KERNEL_TIMEOUTS", False)
    monkeypatch.setattr(sockets, "_HAS_SENDMSG", False)
    monkeypatch.setattr(sockets, "_MSG_DONTWAIT", 0)
    pair = opened.pair(stream_kind)
    for size in (0, 10, 100_000, LARGE):
        exchange(pair.agent, pair.env, os.urandom(size))
        exchange(pair.env, pair.agent, os.urandom(size))
    with pytest.raises(Timeout):
        pair.env.recv(timeout=0.1)
    exchange(pair.agent, pair.env, b"after the timeout")
    assert isinstance(pair.agent, StreamConnection)
    pair.agent.send_timeout = 0.3
    with pytest.raises(Timeout, match="did not take a frame"):
        pair.agent.send(bytes(UNSENDABLE))  # the env does not read
    assert pair.agent.closed


# -- concurrency -------------------------------------------------------------


def test_idle_connection_does_not_block_others(opened: Opened, kind: str) -> None:
    listener = opened.listen(kind)
    stop = threading.Event()

    def echo(connection: Connection) -> None:
        while not stop.is_set():
            try:
                connection.send(connection.recv(timeout=0.05))
            except Timeout:
                continue
            except ConnectionClosed:
                return

    def serve() -> None:
        while not stop.is_set():
            try:
                connection = listener.accept(timeout=0.05)
            except Timeout:
                continue
            except ConnectionClosed:
                return
            opened._closables.append(connection)
            threading.Thread(target=echo, args=(connection,), daemon=True).start()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        idle = opened.dial(kind, listener)
        busy = [opened.dial(kind, listener) for _ in range(3)]
        for round_ in range(5):
            for index, connection in enumerate(busy):
                message = f"{index}:{round_}".encode()
                connection.send(message)
                assert connection.recv(timeout=WAIT) == message
        with pytest.raises(Timeout):
            idle.recv(timeout=0.05)
        idle.send(b"late")
        assert idle.recv(timeout=WAIT) == b"late"
    finally:
        stop.set()
        server.join(WAIT)


def test_concurrent_connections_in_threads(opened: Opened, kind: str) -> None:
    listener = opened.listen(kind)
    clients = [opened.dial(kind, listener) for _ in range(4)]
    servers = [opened.accept(listener) for _ in clients]
    joins = [
        in_thread(lambda c=client, i=index: c.send(bytes([i]) * 100_000))  # type: ignore[misc]
        for index, client in enumerate(clients)
    ]
    received = sorted(server.recv(timeout=WAIT)[0] for server in servers)
    for join in joins:
        join()
    assert received == [0, 1, 2, 3]


# -- malformed streams (tcp, unix) ---------------------------------------------


def test_oversized_prefix_without_allocating(opened: Opened, stream_kind: str) -> None:
    listener = opened.listen(stream_kind)
    peer = raw_peer(listener)
    try:
        env = opened.accept(listener)
        peer.sendall(b"\xff\xff\xff\xff" + b"z" * 1000)
        tracemalloc.start()
        try:
            with pytest.raises(FrameTooLarge) as caught:
                env.recv(timeout=WAIT)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert caught.value.size == 0xFFFFFFFF
        assert caught.value.limit == DEFAULT_MAX_FRAME_SIZE
        assert peak < 4 * 1024 * 1024
        # The stream cannot be resynchronised, but an error frame can still go out.
        with pytest.raises(FrameTooLarge):
            env.recv(timeout=WAIT)
        env.send(b"error frame")
        env.close()
        assert _read_all(peer) == encode_frame(b"error frame")
    finally:
        peer.close()


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_frame_above_max_frame_size(opened: Opened, kind: str) -> None:
    listener = opened.listen(kind, max_frame_size=1000)
    dialled = opened.dial(kind, listener, max_frame_size=1_000_000)
    accepted = opened.accept(listener)
    dialled.send(b"y" * 1000)
    assert accepted.recv(timeout=WAIT) == b"y" * 1000
    dialled.send(b"y" * 1500)
    with pytest.raises(FrameTooLarge) as caught:
        accepted.recv(timeout=WAIT)
    assert caught.value.limit == 1000
    assert caught.value.size == 1500


def test_grpc_message_far_above_the_maximum_ends_the_stream(opened: Opened) -> None:
    _require_grpc()
    for kind in ("grpc-env-listens", "grpc-agent-listens"):
        listener = opened.listen(kind, max_frame_size=1000)
        dialled = opened.dial(kind, listener, max_frame_size=1_000_000)
        accepted = opened.accept(listener)
        dialled.send(b"y" * 5000)
        with pytest.raises(ConnectionClosed, match="maximum frame size"):
            accepted.recv(timeout=WAIT)
        with pytest.raises(ConnectionClosed, match="maximum frame size"):
            dialled.recv(timeout=WAIT)
        # and the other way: the dialler refuses what the listener sends
        listener = opened.listen(kind, max_frame_size=1_000_000)
        dialled = opened.dial(kind, listener, max_frame_size=1000)
        accepted = opened.accept(listener)
        accepted.send(b"z" * 5000)
        with pytest.raises(FrameTooLarge) as caught:
            dialled.recv(timeout=WAIT)
        assert caught.value.limit == 1000


def test_send_above_max_frame_size_is_refused_locally(opened: Opened, kind: str) -> None:
    pair = opened.pair(kind, max_frame_size=100)
    with pytest.raises(FrameTooLarge) as caught:
        pair.agent.send(b"q" * 101)
    assert (caught.value.size, caught.value.limit) == (101, 100)
    # nothing went out; the connection still works
    exchange(pair.agent, pair.env, b"q" * 100)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x05\x00", "in the middle of a frame"),
        (b"\x05\x00\x00\x00abc", "in the middle of a frame"),
        (encode_frame(b"whole") + b"\x01", "in the middle of a frame"),
        (encode_frame(b"whole"), "peer closed the connection \\("),
    ],
)
def test_truncated_stream(opened: Opened, stream_kind: str, data: bytes, message: str) -> None:
    listener = opened.listen(stream_kind)
    peer = raw_peer(listener)
    env = opened.accept(listener)
    peer.sendall(data)
    peer.close()
    if data.startswith(encode_frame(b"whole")):
        assert env.recv(timeout=WAIT) == b"whole"
    with pytest.raises(ConnectionClosed, match=message):
        env.recv(timeout=WAIT)


def test_frames_split_and_coalesced_by_the_stream(opened: Opened, stream_kind: str) -> None:
    listener = opened.listen(stream_kind)
    peer = raw_peer(listener)
    try:
        env = opened.accept(listener)
        frames = [b"", b"a", b"bc" * 1000, os.urandom(200_000), b"d"]
        stream = b"".join(encode_frame(frame) for frame in frames)
        # Three frames in one write, then the rest a few bytes at a time.
        cut = len(encode_frame(b"")) + len(encode_frame(b"a")) + len(encode_frame(b"bc" * 1000))

        def write() -> None:
            peer.sendall(stream[:cut])
            for start in range(cut, cut + 10):
                peer.sendall(stream[start : start + 1])
                time.sleep(0.002)
            peer.sendall(stream[cut + 10 :])

        join = in_thread(write)
        assert [env.recv(timeout=WAIT) for _ in frames] == frames
        join()
    finally:
        peer.close()


def test_timeout_in_the_middle_of_a_frame_keeps_the_stream(
    opened: Opened, stream_kind: str
) -> None:
    listener = opened.listen(stream_kind)
    peer = raw_peer(listener)
    try:
        env = opened.accept(listener)
        frame = encode_frame(b"0123456789")
        peer.sendall(frame[:7])
        with pytest.raises(Timeout):
            env.recv(timeout=0.1)
        peer.sendall(frame[7:])
        assert env.recv(timeout=WAIT) == b"0123456789"
    finally:
        peer.close()


def test_spin_budget_bounds() -> None:
    budget = SpinBudget()
    for _ in range(50):
        budget.adapt(1_000)
    assert budget.ns == SPIN_FLOOR_NS
    for _ in range(50):
        budget.adapt(60_000)
    assert 2 * 60_000 - 4 <= budget.ns <= 2 * 60_000
    for _ in range(200):
        budget.adapt(SPIN_CAP_NS + 1)
    assert budget.ns == 0


# -- socket options and addresses --------------------------------------------


def test_tcp_options(opened: Opened) -> None:
    pair = opened.pair("tcp")
    for connection in (pair.agent, pair.env):
        assert isinstance(connection, StreamConnection)
        sock = socket.socket(fileno=os.dup(connection.fileno()))
        try:
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            sock.close()
    assert pair.listener.address.startswith("tcp://127.0.0.1:")


@pytest.mark.parametrize("scheme", ["tcp", "grpc"])
def test_ipv6_loopback(opened: Opened, scheme: str) -> None:
    if scheme == "grpc":
        _require_grpc()
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        # Without IPv6 the failure must still be a clear rlay error.
        with pytest.raises(RlayError, match=r"\[::1\]"):
            listen(f"{scheme}://[::1]:0", side="env")
        return
    listener = listen(f"{scheme}://[::1]:0", side="env")
    opened._closables.append(listener)
    assert listener.address.startswith(f"{scheme}://[::1]:")
    agent = connect(listener.address, side="agent", timeout=WAIT)
    opened._closables.append(agent)
    env = opened.accept(listener)
    exchange(agent, env, b"six")
    assert env.description.startswith(f"{scheme} [::1]:")


def test_tcp_port_in_use(opened: Opened) -> None:
    listener = opened.listen("tcp")
    with pytest.raises(AddressInUse, match=listener.address.replace(".", r"\.")):
        listen(listener.address, side="env")


def test_grpc_port_in_use(opened: Opened) -> None:
    _require_grpc()
    taken = opened.listen("tcp")
    port = taken.address.rpartition(":")[2]
    with pytest.raises(AddressInUse, match=port):
        listen(f"grpc://127.0.0.1:{port}", side="env")
    grpc_listener = opened.listen("grpc-env-listens")
    with pytest.raises(AddressInUse):
        listen(grpc_listener.address, side="agent")


def test_unix_live_socket_is_in_use(opened: Opened) -> None:
    listener = opened.listen("unix")
    with pytest.raises(AddressInUse, match="in use"):
        listen(listener.address, side="env")
    # the live listener is unharmed
    exchange(opened.dial("unix", listener), opened.accept(listener), b"fine")


def test_unix_stale_socket_is_replaced(opened: Opened) -> None:
    path = f"{opened.directory}/stale.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(path)  # bound and closed without unlinking: what a crash leaves
    dead.close()
    assert os.path.exists(path)
    listener = listen(f"unix://{path}", side="env")
    opened._closables.append(listener)
    exchange(opened.dial("unix", listener), opened.accept(listener), b"fresh")
    listener.close()
    assert not os.path.exists(path)


def test_unix_refuses_to_replace_a_regular_file(opened: Opened) -> None:
    path = f"{opened.directory}/file.sock"
    with open(path, "w") as file:
        file.write("keep me")
    with pytest.raises(AddressInUse, match="not a socket"):
        listen(f"unix://{path}", side="env")
    with open(path) as file:
        assert file.read() == "keep me"


def test_unix_missing_directory() -> None:
    with pytest.raises(RlayError, match="directory"):
        listen("unix:///nonexistent-rlay-dir/x.sock", side="env")


def test_unix_close_keeps_a_newer_listeners_file(opened: Opened) -> None:
    first = opened.listen("unix")
    path = first.address[len("unix://") :]
    os.unlink(path)  # someone removed our file and started another listener
    second = listen(first.address, side="env")
    opened._closables.append(second)
    first.close()
    assert os.path.exists(path)
    second.close()
    assert not os.path.exists(path)


def test_unreachable(opened: Opened, kind: str) -> None:
    scheme, listening_side = KINDS[kind]
    side = "agent" if listening_side == "env" else "env"
    listener = opened.listen(kind)
    address = listener.address
    listener.close()
    if scheme == "grpc":
        time.sleep(0.2)  # the server stops in the background
    started = time.monotonic()
    with pytest.raises(Unreachable, match=address.partition("://")[2]):
        connect(address, side=side, timeout=0.5)  # type: ignore[arg-type]
    assert time.monotonic() - started < WAIT
    assert issubclass(Unreachable, ConnectionClosed)


def test_bad_side_is_refused() -> None:
    with pytest.raises(RlayError, match="side"):
        listen("tcp://:0", side="both")  # type: ignore[arg-type]
    with pytest.raises(RlayError, match="side"):
        connect("tcp://:1", side="", timeout=1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", ["tcp", "grpc"])
def test_cannot_dial_port_zero(scheme: str) -> None:
    if scheme == "grpc":
        _require_grpc()
    with pytest.raises(RlayError, match="port 0"):
        connect(f"{scheme}://127.0.0.1:0", side="agent", timeout=1.0)


# -- grpc specifics ----------------------------------------------------------


def test_grpc_wrapping_matches_the_generated_classes() -> None:
    _require_grpc()
    from rlay.transports.grpc import unwrap_field1, wrap_field1
    from rlay.v1 import service_pb2, session_pb2

    response = session_pb2.SessionResponse()
    response.error.code = session_pb2.ERROR_CODE_ENV
    response.error.message = "x" * 300  # a multi-byte length
    request = session_pb2.SessionRequest()
    request.step.actions.tensor.data = os.urandom(70_000)
    for inner, outer_type, field in (
        (response, service_pb2.AttachRequest, "response"),
        (request, service_pb2.AttachResponse, "request"),
    ):
        serialized = inner.SerializeToString()
        outer = outer_type()
        getattr(outer, field).CopyFrom(inner)
        assert wrap_field1(serialized) == outer.SerializeToString()
        assert unwrap_field1(outer.SerializeToString()) == serialized
        parsed = outer_type.FromString(wrap_field1(serialized))
        assert getattr(parsed, field) == inner
    # an empty message: field 1 present but empty, or absent
    assert service_pb2.AttachRequest.FromString(wrap_field1(b"")).HasField("response")
    assert unwrap_field1(b"") == b""


def test_grpc_unwrap_follows_protobuf_rules() -> None:
    _require_grpc()
    from rlay.transports.grpc import unwrap_field1, wrap_field1
    from rlay.v1 import session_pb2

    first = session_pb2.SessionResponse()
    first.error.code = session_pb2.ERROR_CODE_ENV
    second = session_pb2.SessionResponse()
    second.error.message = "merged"
    # field 1 twice is merged; unknown fields of every wire type are skipped
    unknown = b"\x10\x96\x01" + b"\x19" + bytes(8) + b"\x25" + bytes(4) + b"\x2a\x02hi"
    data = (
        wrap_field1(first.SerializeToString()) + unknown + wrap_field1(second.SerializeToString())
    )
    merged = session_pb2.SessionResponse.FromString(unwrap_field1(data))
    assert merged.error.code == session_pb2.ERROR_CODE_ENV
    assert merged.error.message == "merged"
    for bad in (b"\x0a\x05ab", b"\x0a", b"\x08\x01", b"\x00\x01", b"\x0b", b"\x19\x00", b"\x80"):
        with pytest.raises(ProtocolError):
            unwrap_field1(bad)


def test_grpc_both_listeners_speak_protobuf(opened: Opened) -> None:
    """Real SessionRequest/SessionResponse bytes cross both services unchanged."""
    _require_grpc()
    from rlay.v1 import session_pb2

    request = session_pb2.SessionRequest()
    request.hello.implementation = "rlay-python"
    response = session_pb2.SessionResponse()
    response.hello.env_spec.env_id = "CartPole-v1"
    for kind in ("grpc-env-listens", "grpc-agent-listens"):
        pair = opened.pair(kind)
        pair.agent.send(request.SerializeToString())
        assert session_pb2.SessionRequest.FromString(pair.env.recv(timeout=WAIT)) == request
        pair.env.send(response.SerializeToString())
        assert session_pb2.SessionResponse.FromString(pair.agent.recv(timeout=WAIT)) == response


def test_grpc_generated_stub_reaches_an_env_listener(opened: Opened) -> None:
    """A plain grpc client built from service.proto talks to our EnvironmentService."""
    _require_grpc()
    import grpc

    from rlay.v1 import service_pb2_grpc, session_pb2

    listener = opened.listen("grpc-env-listens")
    channel = grpc.insecure_channel(listener.address[len("grpc://") :])
    try:
        stub = service_pb2_grpc.EnvironmentServiceStub(channel)  # type: ignore[no-untyped-call]
        request = session_pb2.SessionRequest()
        request.hello.token = "secret"
        responses = stub.Session(iter([request]))
        env = opened.accept(listener)
        assert session_pb2.SessionRequest.FromString(env.recv(timeout=WAIT)) == request
        answer = session_pb2.SessionResponse()
        answer.close.SetInParent()
        env.send(answer.SerializeToString())
        env.close()
        assert list(responses) == [answer]
    finally:
        channel.close()


def test_grpc_generated_stub_reaches_an_agent_listener(opened: Opened) -> None:
    """A plain grpc client of AgentService sees SessionRequests wrapped in AttachResponse."""
    _require_grpc()
    import grpc

    from rlay.v1 import service_pb2, service_pb2_grpc, session_pb2

    listener = opened.listen("grpc-agent-listens")
    channel = grpc.insecure_channel(listener.address[len("grpc://") :])
    try:
        stub = service_pb2_grpc.AgentServiceStub(channel)  # type: ignore[no-untyped-call]
        hello = service_pb2.AttachRequest()
        hello.response.hello.implementation = "engine"
        responses = stub.Attach(iter([hello]))
        agent = opened.accept(listener)
        assert session_pb2.SessionResponse.FromString(agent.recv(timeout=WAIT)) == hello.response
        request = session_pb2.SessionRequest()
        request.reset.seeds.add().value = 7
        agent.send(request.SerializeToString())
        agent.close()
        assert [message.request for message in responses] == [request]
    finally:
        channel.close()


def test_grpc_same_sides_are_a_protocol_error(opened: Opened) -> None:
    _require_grpc()
    listener = opened.listen("grpc-agent-listens")
    agent = connect(listener.address, side="agent", timeout=WAIT)
    opened._closables.append(agent)

    def talk() -> None:
        agent.send(b"")  # may already know
        agent.recv(timeout=WAIT)

    with pytest.raises(ProtocolError, match="same side"):
        talk()


def test_grpc_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "grpc", None)
    with pytest.raises(RlayError, match=r"rlay\[grpc\]"):
        listen("grpc://127.0.0.1:0", side="env")
    with pytest.raises(RlayError, match=r"rlay\[grpc\]"):
        connect("grpc://127.0.0.1:1", side="agent", timeout=1.0)
