"""Raw frames on plain sockets: the runner's own minimal agent, independent of rlay's codecs.

Only the generated message classes (rlay.v1) are used; framing, addresses and
tensors are handled here, so that hostile traffic can be shaped byte by byte.

    >>> frame(b"ab")
    b'\\x02\\x00\\x00\\x00ab'
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from rlay.v1 import session_pb2, tensor_pb2

DTYPES: dict[str, int] = {
    "bool": tensor_pb2.DTYPE_BOOL,
    "int8": tensor_pb2.DTYPE_INT8,
    "int16": tensor_pb2.DTYPE_INT16,
    "int32": tensor_pb2.DTYPE_INT32,
    "int64": tensor_pb2.DTYPE_INT64,
    "uint8": tensor_pb2.DTYPE_UINT8,
    "uint16": tensor_pb2.DTYPE_UINT16,
    "uint32": tensor_pb2.DTYPE_UINT32,
    "uint64": tensor_pb2.DTYPE_UINT64,
    "float16": tensor_pb2.DTYPE_FLOAT16,
    "float32": tensor_pb2.DTYPE_FLOAT32,
    "float64": tensor_pb2.DTYPE_FLOAT64,
}
NUMPY = {code: np.dtype(name).newbyteorder("<") for name, code in DTYPES.items()}


def frame(payload: bytes) -> bytes:
    return struct.pack("<I", len(payload)) + payload


def tensor(array: Any, dtype: str | None = None) -> tensor_pb2.Tensor:
    a = np.asarray(array, dtype=dtype)
    le = a.astype(a.dtype.newbyteorder("<"), copy=False)
    return tensor_pb2.Tensor(
        dtype=DTYPES[a.dtype.name], shape=list(a.shape), data=np.ascontiguousarray(le).tobytes()
    )


def untensor(msg: tensor_pb2.Tensor) -> np.ndarray[Any, Any]:
    dtype = NUMPY[msg.dtype]
    return (
        np.frombuffer(msg.data, dtype=dtype)
        .reshape(tuple(msg.shape))
        .astype(dtype.newbyteorder("="))
    )


def hello(
    major: int = 1, minor: int = 0, token: str = "", render_mode: str = ""
) -> session_pb2.SessionRequest:
    request = session_pb2.SessionRequest()
    h = request.hello
    h.protocol_version.major, h.protocol_version.minor = major, minor
    h.implementation, h.implementation_version = "rlay-conformance-runner", "1"
    h.token, h.render_mode = token, render_mode
    return request


def parse(address: str) -> tuple[int, Any]:
    """(socket family, sockaddr) of a tcp:// or unix:// address."""
    if address.startswith("unix://"):
        return socket.AF_UNIX, address[len("unix://") :]
    if address.startswith("tcp://"):
        host, _, port = address[len("tcp://") :].rpartition(":")
        return socket.AF_INET, (host or "127.0.0.1", int(port))
    raise ValueError(f"unsupported address {address!r}")


class Raw:
    """One raw connection; every wait is bounded."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    @classmethod
    def connect(cls, address: str, timeout: float = 10.0) -> Raw:
        if address.startswith("ws://"):
            from runner.raw_ws import RawWs

            return RawWs.connect(address, timeout)
        family, target = parse(address)
        deadline = time.monotonic() + timeout
        while True:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(5.0)
            try:
                sock.connect(target)
                return cls(sock)
            except OSError:
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def send_bytes(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, request: session_pb2.SessionRequest) -> None:
        self.sock.sendall(frame(request.SerializeToString()))

    def _fill(self, size: int, deadline: float) -> bool:
        while len(self.buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"no complete frame within the timeout ({len(self.buffer)} bytes)"
                )
            ready, _, _ = select.select([self.sock], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = self.sock.recv(1 << 20)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def recv_frame(self, timeout: float = 10.0) -> bytes | None:
        """The next frame's payload, or None when the peer closed the connection."""
        deadline = time.monotonic() + timeout
        if not self._fill(4, deadline):
            return None
        (size,) = struct.unpack("<I", self.buffer[:4])
        if not self._fill(4 + size, deadline):
            return None
        payload, self.buffer = self.buffer[4 : 4 + size], self.buffer[4 + size :]
        return payload

    def recv(self, timeout: float = 10.0) -> session_pb2.SessionResponse | None:
        payload = self.recv_frame(timeout)
        if payload is None:
            return None
        response = session_pb2.SessionResponse()
        response.ParseFromString(payload)
        return response

    def roundtrip(self, request: session_pb2.SessionRequest, timeout: float = 10.0) -> Any:
        self.send(request)
        response = self.recv(timeout)
        assert response is not None, "the peer closed the connection instead of answering"
        return response

    def closed_within(self, timeout: float) -> bool:
        """True if the peer closes the connection within ``timeout`` (frames are drained)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if not self._fill(len(self.buffer) + 1, deadline):
                    return True
            except TimeoutError:
                return False
            self.buffer = b""
        return False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def wait_for_dial(
    sock: socket.socket, address: str, timeout: float, alive: Callable[[], bool] | None
) -> None:
    """Until ``sock`` has a connection to accept; TimeoutError after ``timeout``, or as soon
    as ``alive()`` says the dialling peer exited (a peer that refuses its command line)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([sock], [], [], max(0.0, min(remaining, 0.2)))
        if ready:
            return
        if remaining <= 0:
            raise TimeoutError(f"no peer dialled {address} within {timeout:g} s")
        if alive is not None and not alive():
            raise TimeoutError(f"the peer exited without dialling {address}")


class RawListener:
    """A listening socket for peers that dial (server mode)."""

    def __init__(self, address: str) -> None:
        family, target = parse(address)
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_INET:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        elif os.path.exists(target):
            os.unlink(target)
        self.sock.bind(target)
        self.sock.listen(4)
        if family == socket.AF_INET:
            host, port = self.sock.getsockname()[:2]
            self.address = f"tcp://{host}:{port}"
        else:
            self.address = address

    def accept(self, timeout: float = 15.0, alive: Callable[[], bool] | None = None) -> Raw:
        wait_for_dial(self.sock, self.address, timeout, alive)
        conn, _ = self.sock.accept()
        conn.settimeout(10.0)
        return Raw(conn)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
