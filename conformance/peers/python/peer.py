"""The Python reference conformance peer (see conformance/PEERS.md).

    python conformance/peers/python/peer.py --env spaces --mode listen --address tcp://127.0.0.1:0
    READY tcp://127.0.0.1:40123
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from envs import BATCHED, NAMES, make_env  # noqa: E402

from rlay.errors import RlayError, Timeout  # noqa: E402
from rlay.host import GymBackend, Host  # noqa: E402
from rlay.session import EnvSession  # noqa: E402
from rlay.transports import Connection, connect  # noqa: E402

# A serialized SessionResponse whose kind is `close` (field 6, empty message).
CLOSE_REPLY = b"\x32\x00"


def backend_for(name: str) -> GymBackend:
    """A fresh backend (fresh envs) for one connection."""

    def factory(render_mode: str | None = None) -> Any:
        return make_env(name, render_mode)

    if name in BATCHED:
        return GymBackend(factory, num_envs=4, autoreset_mode=BATCHED[name])
    backend = GymBackend(factory, num_envs=1, autoreset_mode="disabled")
    if name == "control":
        backend.register_call("set_gain", lambda envs, value: envs[0].unwrapped.set_gain(value))
        backend.register_call("get_state", lambda envs, value: envs[0].unwrapped.get_state())
    return backend


def listen(name: str, address: str, token: str | None) -> int:
    host = Host(lambda: backend_for(name), address, token=token)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    host.start()
    print(f"READY {host.address}", flush=True)
    stop.wait()
    host.close(timeout=3.0)
    return 0


class Watched:
    """A connection that remembers whether the session ended with a `close` reply,
    so that the exit code can tell a finished session from a failed one."""

    def __init__(self, inner: Connection) -> None:
        self.inner = inner
        self.closed_cleanly = False
        self.description = getattr(inner, "description", "agent")

    def send(self, payload: Any) -> None:
        self.inner.send(payload)
        self.closed_cleanly = bytes(payload[:2]) == CLOSE_REPLY and len(payload) == 2

    def recv(self, timeout: float | None = None) -> Any:
        return self.inner.recv(timeout)

    def close(self) -> None:
        self.inner.close()


def connect_retrying(address: str, seconds: float) -> Connection:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return connect(address, side="env", timeout=2.0)
        except (RlayError, OSError) as error:
            if time.monotonic() > deadline:
                raise Timeout(f"nothing listened at {address} within {seconds:g} s: {error}") from error
            time.sleep(0.05)


def serve_one(name: str, address: str, token: str | None) -> int:
    try:
        connection = Watched(connect_retrying(address, 10.0))
    except RlayError as error:
        print(f"peer: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    EnvSession(connection, backend_for(name), token=token, hello_timeout=30.0).run()  # type: ignore[arg-type]
    if not connection.closed_cleanly:
        print("peer: the session ended without a close", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, choices=NAMES)
    parser.add_argument("--mode", required=True, choices=("listen", "dial"))
    parser.add_argument("--address", required=True)
    parser.add_argument("--token", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.mode == "listen":
        return listen(args.env, args.address, args.token)
    return serve_one(args.env, args.address, args.token)


if __name__ == "__main__":
    sys.exit(main())
