"""The shm:// transport: rings, wrap-around, frames larger than a ring, sleeping peers,
dead peers, several peers, and nothing left in /dev/shm or mapped afterwards."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import gymnasium as gym
import numpy as np
import pytest

import rlay
from rlay.address import parse_address
from rlay.errors import (
    AddressInUse,
    ConnectionClosed,
    FrameTooLarge,
    InvalidAddress,
    ProtocolError,
    Timeout,
)
from rlay.transports import listen, shm_ring
from rlay.transports import shm as shm_module
from rlay.transports.shm import ShmConnection, ShmListener, connect_shm
from rlay.transports.spin import SPIN_CAP_NS

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not hasattr(socket, "send_fds"), reason="needs descriptor passing"),
]

WAIT = 10.0
SMALL_RING = 4096
MIB = 1024 * 1024

# A peer in another process: dials ADDRESS (with rings of RING bytes), then
# follows its MODE.
PEER = """
import sys, time
from rlay.address import parse_address
from rlay.transports.shm import DEFAULT_RING_SIZE, connect_shm
address, mode = sys.argv[1], sys.argv[2]
ring = int(sys.argv[4]) if len(sys.argv) > 4 else DEFAULT_RING_SIZE
connection = connect_shm(parse_address(address), timeout=10.0, ring_size=ring)
if mode == "echo":  # echo frames, after DELAY seconds each, until b"stop"
    delay = float(sys.argv[3])
    while (frame := connection.recv(timeout=30.0)) != b"stop":
        time.sleep(delay)
        connection.send(frame)
elif mode == "hold":  # say hello, then wait to be killed without reading
    connection.send(b"ready")
    time.sleep(60)
connection.close()
"""


@pytest.fixture
def where(short_dir: str) -> str:
    return f"shm://{short_dir}/ring"


@pytest.fixture
def listener(where: str) -> Iterator[ShmListener]:
    opened = listen(where, side="env")
    assert isinstance(opened, ShmListener)
    yield opened
    opened.close()


def pair(
    listener: ShmListener,
    ring_size: int = shm_module.DEFAULT_RING_SIZE,
    send_timeout: float | None = 30.0,
) -> tuple[ShmConnection, ShmConnection]:
    """A dialled and an accepted connection, in this process (so neither spins)."""
    address = parse_address(listener.address)
    dialled = connect_shm(address, timeout=WAIT, ring_size=ring_size, send_timeout=send_timeout)
    accepted = listener.accept(timeout=WAIT)
    return dialled, accepted


def exchange(sender: ShmConnection, receiver: ShmConnection, payload: bytes) -> None:
    """Send from a thread (a frame may be larger than the ring) and check what arrives."""
    errors: list[BaseException] = []

    def send() -> None:
        try:
            sender.send(payload)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    received = receiver.recv(timeout=WAIT * 3)
    thread.join(WAIT * 3)
    assert not thread.is_alive()
    assert not errors, errors
    # The caller's own frame: bytes, or the bytearray a large or streamed frame came in.
    assert type(received) in (bytes, bytearray)
    assert len(received) == len(payload)
    assert received == payload


def spawn(address: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", PEER, address, *args])


@contextlib.contextmanager
def reaped(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(WAIT)


def shm_names() -> set[str]:
    """Our segment files in /dev/shm (other programs' segments come and go meanwhile)."""
    if not os.path.isdir("/dev/shm"):
        return set()
    return {name for name in os.listdir("/dev/shm") if name.startswith("rlay-shm")}


def mapped_segments() -> int:
    """How many of our segments this process maps (-1 where /proc/self/maps is missing)."""
    try:
        with open("/proc/self/maps") as maps:
            return sum("rlay-shm" in line for line in maps)
    except OSError:
        return -1


def assert_mapped(expected: int) -> None:
    """Check the count of mapped segments where the system can tell (Linux)."""
    if expected >= 0:
        assert mapped_segments() == expected


# -- addresses ------------------------------------------------------------------------


def test_address_parses_like_unix() -> None:
    address = parse_address("shm:///tmp/game")
    assert (address.scheme, address.path, str(address)) == ("shm", "/tmp/game", "shm:///tmp/game")
    with pytest.raises(InvalidAddress, match="absolute path"):
        parse_address("shm://tmp/game")


def test_listener_address_and_descriptions(listener: ShmListener, where: str) -> None:
    dialled, accepted = pair(listener)
    assert listener.address == where
    assert dialled.description == accepted.description == f"shm {where[len('shm://') :]}"
    dialled.close()
    accepted.close()


def test_a_taken_address_is_named_as_given(listener: ShmListener, where: str) -> None:
    with pytest.raises(AddressInUse, match=re.escape(f"{where} is already in use")):
        listen(where, side="env")


# -- frames ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [
        0,
        1,
        15,
        16,
        17,
        SMALL_RING - 33,
        SMALL_RING - 32,
        SMALL_RING - 16,
        SMALL_RING,
        10_000,
        300_000,
    ],
)
def test_frames_around_and_above_the_ring_size(listener: ShmListener, size: int) -> None:
    dialled, accepted = pair(listener, ring_size=SMALL_RING)
    payload = os.urandom(size)
    for _ in range(3):  # later rounds start at other ring positions
        exchange(dialled, accepted, payload)
        exchange(accepted, dialled, payload[::-1])
    dialled.close()
    accepted.close()


def test_records_wrap_around_the_ring(listener: ShmListener) -> None:
    dialled, accepted = pair(listener, ring_size=SMALL_RING)
    sizes = [(index * 37) % 1500 for index in range(300)]
    frames = [bytes([index % 251]) * size for index, size in enumerate(sizes)]

    def send_all() -> None:
        for frame in frames:
            dialled.send(frame)

    thread = threading.Thread(target=send_all, daemon=True)
    thread.start()
    assert [accepted.recv(timeout=WAIT) for _ in frames] == frames
    thread.join(WAIT)
    dialled.close()
    accepted.close()


def segment_rss_kib() -> int:
    """Resident KiB of our segments in this process (-1 without /proc/self/smaps)."""
    try:
        with open("/proc/self/smaps") as smaps:
            lines = smaps.read().splitlines()
    except OSError:
        return -1
    total, inside = 0, False
    for line in lines:
        if re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):  # a mapping's first line
            inside = "rlay-shm" in line
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


def test_request_reply_traffic_keeps_to_the_first_pages(listener: ShmListener) -> None:
    """An empty ring starts over at its beginning: 4 MiB of small frames touch < 1 MiB."""
    rss = segment_rss_kib()
    dialled, accepted = pair(listener)  # 16 MiB rings
    frame = os.urandom(1000)
    for _ in range(2000):
        dialled.send(frame)
        assert accepted.recv(timeout=WAIT) == frame
        accepted.send(frame)
        assert dialled.recv(timeout=WAIT) == frame
    if rss >= 0:
        # Both ends are mapped here, so each touched page counts twice.
        assert segment_rss_kib() - rss < 1024
    dialled.close()
    accepted.close()


def test_64_mib_frames_both_ways(listener: ShmListener) -> None:
    dialled, accepted = pair(listener)
    payload = os.urandom(64 * MIB)
    exchange(dialled, accepted, payload)
    exchange(accepted, dialled, payload)
    exchange(dialled, accepted, b"small after large")
    dialled.close()
    accepted.close()


def test_many_small_frames_both_ways_at_once(listener: ShmListener) -> None:
    dialled, accepted = pair(listener, ring_size=SMALL_RING)
    rounds, batch = 40, 50  # a batch of frames fits the ring; a round wraps it
    received: dict[str, list[bytes]] = {"dialled": [], "accepted": []}

    def run(name: str, connection: ShmConnection) -> None:
        for round_ in range(rounds):
            for index in range(batch):
                connection.send(f"{name}:{round_}:{index}".encode())
            received[name] += [connection.recv(timeout=WAIT) for _ in range(batch)]

    threads = [
        threading.Thread(target=run, args=("dialled", dialled), daemon=True),
        threading.Thread(target=run, args=("accepted", accepted), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
        assert not thread.is_alive()

    def expected(name: str) -> list[bytes]:
        return [f"{name}:{r}:{i}".encode() for r in range(rounds) for i in range(batch)]

    assert received["accepted"] == expected("dialled")
    assert received["dialled"] == expected("accepted")
    dialled.close()
    accepted.close()


# -- limits and failures ----------------------------------------------------------------


def test_frame_too_large_for_the_receiver_streams_no_further(listener: ShmListener) -> None:
    small = listen(f"{listener.address}-small", side="env", max_frame_size=1000)
    try:
        dialled = connect_shm(
            parse_address(small.address),
            timeout=WAIT,
            max_frame_size=10 * MIB,
            ring_size=SMALL_RING,
        )
        accepted = small.accept(timeout=WAIT)
        sent: list[BaseException] = []

        def send_big() -> None:
            try:
                dialled.send(b"z" * (3 * MIB))  # far larger than the ring: it waits for room
            except BaseException as error:
                sent.append(error)

        thread = threading.Thread(target=send_big, daemon=True)
        thread.start()
        with pytest.raises(FrameTooLarge) as caught:
            accepted.recv(timeout=WAIT)
        assert (caught.value.size, caught.value.limit) == (3 * MIB, 1000)
        with pytest.raises(FrameTooLarge):
            accepted.recv(timeout=WAIT)  # the stream cannot be resynchronised
        accepted.send(b"error frame")  # but an answer still goes out
        accepted.close()
        thread.join(WAIT)
        assert not thread.is_alive()
        assert len(sent) == 1
        assert isinstance(sent[0], ConnectionClosed)
        assert dialled.recv(timeout=WAIT) == b"error frame"
        dialled.close()
    finally:
        small.close()


def test_timeout_in_the_middle_of_a_large_frame_keeps_the_stream(
    listener: ShmListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialled, accepted = pair(listener, ring_size=SMALL_RING)
    resume = threading.Event()
    parts = {"written": 0}
    write_part = ShmConnection._write_part

    def stalling(self: ShmConnection, part: memoryview, deadline: float | None) -> None:
        parts["written"] += 1
        if parts["written"] == 2:  # header out, body not yet: the sender stalls
            assert resume.wait(WAIT)
        write_part(self, part, deadline)

    monkeypatch.setattr(ShmConnection, "_write_part", stalling)
    payload = os.urandom(5 * SMALL_RING)
    thread = threading.Thread(target=dialled.send, args=(payload,), daemon=True)
    thread.start()
    with pytest.raises(Timeout):
        accepted.recv(timeout=0.2)
    resume.set()
    assert accepted.recv(timeout=WAIT) == payload
    thread.join(WAIT)
    exchange(dialled, accepted, b"next")
    dialled.close()
    accepted.close()


def test_send_timeout_when_the_peer_does_not_read(listener: ShmListener) -> None:
    dialled, accepted = pair(listener, ring_size=SMALL_RING, send_timeout=0.3)
    with pytest.raises(Timeout, match="did not take a frame"):
        dialled.send(bytes(10 * SMALL_RING))
    with pytest.raises(ConnectionClosed):
        dialled.send(b"x")
    accepted.close()


def test_a_corrupt_ring_is_a_protocol_error(listener: ShmListener) -> None:
    dialled, accepted = pair(listener, ring_size=SMALL_RING)
    exchange(dialled, accepted, b"fine")
    # A peer that scribbles over its counter: more bytes than the ring holds.
    dialled._ctrl[dialled._out + shm_ring._WRITE] = 10 * SMALL_RING
    with pytest.raises(ProtocolError, match="corrupt"):
        accepted.recv(timeout=WAIT)
    with pytest.raises(ProtocolError):
        accepted.recv(timeout=WAIT)
    dialled.close()
    accepted.close()


def test_a_silent_or_foreign_peer_does_not_block_accept(listener: ShmListener) -> None:
    path = listener.address[len("shm://") :]
    foreign = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    foreign.connect(path)
    foreign.sendall(b"\x05\x00\x00\x00hello")  # a unix:// peer's frame, no segment
    try:
        dialled, accepted = pair(listener)
        exchange(dialled, accepted, b"the real peer")
        dialled.close()
        accepted.close()
    finally:
        foreign.close()


# -- other processes -----------------------------------------------------------------


def test_a_slow_peer_is_waited_for_asleep(listener: ShmListener) -> None:
    """Replies slower than the spin cap: the receiver sleeps and the doorbell wakes it."""
    with reaped(spawn(listener.address, "echo", "0.02")) as peer:
        connection = listener.accept(timeout=WAIT)
        assert isinstance(connection, ShmConnection)
        for index in range(6):
            message = f"slow {index}".encode()
            connection.send(message)
            assert connection.recv(timeout=WAIT) == message
        # six replies far above the cap shrink the spin budget to a fraction
        assert connection._spin.ns < SPIN_CAP_NS // 4
        connection.send(b"stop")
        assert peer.wait(WAIT) == 0
        connection.close()


def test_a_fast_peer_in_another_process(listener: ShmListener) -> None:
    with reaped(spawn(listener.address, "echo", "0")) as peer:
        connection = listener.accept(timeout=WAIT)
        for size in (64, 5000, 3 * MIB):
            payload = os.urandom(size)
            for _ in range(50 if size < MIB else 2):
                connection.send(payload)
                assert connection.recv(timeout=WAIT) == payload
        connection.send(b"stop")
        assert peer.wait(WAIT) == 0
        connection.close()


def test_frames_of_every_size_through_a_small_ring_to_another_process(
    listener: ShmListener,
) -> None:
    """Spinning peers, records that wrap, and records larger than the ring, mixed."""
    sizes = [0, 1, 100, 4000, 4096, 5000, 20_000, 64, 15, 17, *range(0, 9000, 333)]
    with reaped(spawn(listener.address, "echo", "0", str(SMALL_RING))) as peer:
        connection = listener.accept(timeout=WAIT)
        for round_, size in enumerate(sizes * 3):
            payload = bytes([round_ % 256]) * size + os.urandom(min(size, 8))
            connection.send(payload)
            assert connection.recv(timeout=WAIT) == payload
        connection.send(b"stop")
        assert peer.wait(WAIT) == 0
        connection.close()


def test_several_peers_at_once(listener: ShmListener) -> None:
    peers = [spawn(listener.address, "echo", "0") for _ in range(3)]
    try:
        connections = [listener.accept(timeout=WAIT) for _ in peers]
        for round_ in range(20):
            for index, connection in enumerate(connections):
                connection.send(f"{index}:{round_}".encode())
            for index, connection in enumerate(connections):
                assert connection.recv(timeout=WAIT) == f"{index}:{round_}".encode()
        for connection in connections:
            connection.send(b"stop")
        assert [peer.wait(WAIT) for peer in peers] == [0, 0, 0]
        for connection in connections:
            connection.close()
    finally:
        for peer in peers:
            if peer.poll() is None:
                peer.kill()
            peer.wait(WAIT)


def test_killed_peer_while_receiving(listener: ShmListener) -> None:
    before, mapped = shm_names(), mapped_segments()
    with reaped(spawn(listener.address, "hold")) as peer:
        connection = listener.accept(timeout=WAIT)
        assert connection.recv(timeout=WAIT) == b"ready"
        timer = threading.Timer(0.3, peer.send_signal, args=(signal.SIGKILL,))
        timer.start()
        started = time.monotonic()
        with pytest.raises(ConnectionClosed, match="peer closed"):
            connection.recv(timeout=WAIT)
        assert time.monotonic() - started < WAIT
        timer.join()
        with pytest.raises(ConnectionClosed):
            connection.send(b"anyone?")
        connection.close()
    assert shm_names() <= before
    assert_mapped(mapped)


def test_killed_peer_while_sending_into_a_full_ring(listener: ShmListener) -> None:
    mapped = mapped_segments()
    with reaped(spawn(listener.address, "hold", "0", str(SMALL_RING))) as peer:
        connection = listener.accept(timeout=WAIT)
        assert connection.recv(timeout=WAIT) == b"ready"
        timer = threading.Timer(0.3, peer.send_signal, args=(signal.SIGKILL,))
        timer.start()
        with pytest.raises(ConnectionClosed):
            connection.send(bytes(8 * MIB))  # the peer never reads it
        timer.join()
        connection.close()
    assert_mapped(mapped)


def test_nothing_is_left_after_close(listener: ShmListener) -> None:
    before, mapped = shm_names(), mapped_segments()
    dialled, accepted = pair(listener)
    exchange(dialled, accepted, b"x" * 1000)
    assert_mapped(mapped + 2 if mapped >= 0 else -1)  # both ends live in this process
    dialled.close()
    assert_mapped(mapped + 1 if mapped >= 0 else -1)
    accepted.close()
    assert shm_names() <= before
    assert_mapped(mapped)
    path = listener.address[len("shm://") :]
    listener.close()
    assert not os.path.exists(path)


def test_client_env_drives_rlay_serve(short_dir: str) -> None:
    address = f"shm://{short_dir}/cartpole"
    server = subprocess.Popen(
        [sys.executable, "-m", "rlay", "serve", "CartPole-v1", "--address", address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        env = rlay.ClientEnv(address, connect_timeout=30.0, timeout=WAIT)
        try:
            reference = gym.make("CartPole-v1")
            obs, _ = env.reset(seed=3)
            expected, _ = reference.reset(seed=3)
            np.testing.assert_array_equal(obs, expected)
            for _ in range(20):
                got = env.step(1)
                want = reference.step(1)
                np.testing.assert_array_equal(got[0], want[0])
                assert got[1:4] == want[1:4]
                if got[2]:
                    break
        finally:
            env.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(WAIT)
