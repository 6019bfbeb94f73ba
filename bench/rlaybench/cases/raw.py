"""The transport limit: a raw socket round trip in two processes, no protocol at all.

Per step the driver sends a length-prefixed request the size of an action (8 bytes
per sub-env) and the other process answers with a length-prefixed reply the size of
the observation, which the driver receives into a preallocated buffer and views as
a numpy array (no copy). TCP_NODELAY is set on TCP. Each receive reads as much as is
there, so a small message costs one ``recv`` on each side.
"""

from __future__ import annotations

import argparse
import os
import socket
import struct

import numpy as np

from rlaybench import harness
from rlaybench.payloads import Payload, initial_obs

_HEADER = struct.Struct("<I")
ACTION_BYTES = 8


def _recv_frame(sock: socket.socket, view: memoryview) -> int:
    """Receive one length-prefixed frame into ``view``; returns the body length."""
    got = 0
    need = _HEADER.size
    while got < need:
        n = sock.recv_into(view[got:])
        if n == 0:
            raise ConnectionError("peer closed")
        got += n
        if need == _HEADER.size and got >= _HEADER.size:
            need = _HEADER.size + _HEADER.unpack_from(view)[0]
    return need - _HEADER.size


def _open(transport: str, address: str) -> socket.socket:
    if transport == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(address)
    else:
        host, port = address.rsplit(":", 1)
        sock = socket.create_connection((host, int(port)))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _listen(transport: str) -> tuple[socket.socket, str]:
    if transport == "unix":
        path = harness.unix_path("raw")
        if os.path.exists(path):
            os.unlink(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        address = path
    else:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{server.getsockname()[1]}"
    server.listen(1)
    return server, address


def env_side(args: argparse.Namespace, payload: Payload) -> None:
    server, address = _listen(args.transport)
    harness.announce_ready(address)
    server.settimeout(60)
    conn, _ = server.accept()
    conn.settimeout(None)
    if args.transport == "tcp":
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = initial_obs(payload).tobytes()
    header = _HEADER.pack(len(body))
    inbox = memoryview(bytearray(_HEADER.size + ACTION_BYTES * payload.num_envs + 64))
    try:
        while True:
            _recv_frame(conn, inbox)
            conn.sendmsg([header, body])
    except ConnectionError:
        pass
    finally:
        conn.close()
        server.close()
        if args.transport == "unix":
            os.unlink(address)


def driver(args: argparse.Namespace, payload: Payload) -> None:
    side = harness.Side(harness.side_command("rlaybench.cases.raw", args))
    sock = None
    try:
        address = side.wait_ready()
        sock = _open(args.transport, address)
        request = _HEADER.pack(ACTION_BYTES * payload.num_envs) + bytes(
            ACTION_BYTES * payload.num_envs
        )
        buf = bytearray(_HEADER.size + payload.obs_bytes)
        view = memoryview(buf)
        dtype, shape = np.dtype(payload.dtype), payload.batch_shape

        def step(i: int) -> object:
            sock.sendall(request)
            size = _recv_frame(sock, view)
            return np.frombuffer(buf, dtype, size // dtype.itemsize, _HEADER.size).reshape(shape)

        result = harness.measure(step, harness.config_from(args))
    finally:
        if sock is not None:
            sock.close()
        side.stop()
    harness.emit("raw socket echo", "echo", args.transport, payload, result)


def main() -> None:
    harness.run_case(__doc__, env_side, driver)


if __name__ == "__main__":
    main()
