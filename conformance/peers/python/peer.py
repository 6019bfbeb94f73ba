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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agents_env import LIMIT, MultiAgentEnv
from agents_env import NAME as MULTI_AGENT
from envs import BATCHED, NAMES, make_env
from rlay.env_session import EnvBackend
from rlay.errors import RlayError
from rlay.host import GymBackend, Host, dial
from rlay.parallel_host import ParallelBackend


def backend_for(name: str) -> EnvBackend:
    """A fresh backend (fresh envs) for one connection."""
    if name == MULTI_AGENT:
        return ParallelBackend(MultiAgentEnv, max_episode_steps=LIMIT)

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


def serve_one(name: str, address: str, token: str | None) -> int:
    try:
        dial(backend_for(name), address, token=token, retry_timeout=10.0, hello_timeout=30.0)
    except RlayError as error:
        print(f"peer: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, choices=(*NAMES, MULTI_AGENT))
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
