"""rlay's agent side against the conformance peers: one env side per language.

The peers of ``conformance/peers.toml`` host the conformance environments of
``conformance/ENVIRONMENTS.md`` through their binding's env-side SDK: the Python
reference (``rlay.host``), the C# core under mono and the C++ core (RlayCore). The
driver is the same ClientEnv (the peer listens: ``--mode listen``) or ServerEnv (the peer dials:
``--mode dial``), so the rows differ only in the env side. Envs: ``infos`` (two
int64 and a rich info dict every step; action two int32) and ``large`` (a 9 MiB
uint8 observation, a 256 KiB uint8 action); neither ever ends an episode.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
from typing import Any

import numpy as np

from rlaybench import harness
from rlaybench.payloads import CONFORMANCE_PAYLOADS

ENVS = {"conf-infos": "infos", "conf-large": "large"}
SYSTEMS = {
    "python": "Python peer (rlay.host)",
    "csharp": "C# peer (mono)",
    "cpp": "C++ peer (RlayCore)",
}


def _action(env: str, i: int) -> np.ndarray:
    if env == "infos":
        return np.array([i % 3 - 1, (i >> 1) % 3 - 1], dtype=np.int32)
    return np.full((256, 1024), i & 0xFF, dtype=np.uint8)


def driver(args: argparse.Namespace) -> None:
    import rlay

    run: list[str] = json.loads(args.peer_run)
    env_name = ENVS[args.payload]
    path = harness.unix_path(f"conf-{args.peer}")
    if os.path.exists(path):
        os.unlink(path)
    address = f"{args.transport}://{path}" if args.transport == "unix" else "tcp://127.0.0.1:0"
    mode = "listen" if args.mode == "ClientEnv" else "dial"
    if mode == "dial" and args.transport != "unix":
        raise SystemExit("dial rows use a unix address, known before the peer starts")
    cmd = [*run, "--env", env_name, "--mode", mode, "--address", address]
    side = harness.Side(cmd, cwd=args.peer_workdir)
    env: Any = None
    try:
        # dial: the peer retries until ServerEnv listens at the unix path
        env = rlay.ClientEnv(side.wait_ready()) if mode == "listen" else rlay.ServerEnv(address)
        env.reset(seed=7)
        actions = [_action(env_name, i) for i in range(4)]

        def step(i: int) -> object:
            return env.step(actions[i & 3])

        result = harness.measure(step, harness.config_from(args))
    finally:
        if env is not None:
            env.close()
        if mode == "listen":
            side.proc.terminate()
        side.stop()
        if os.path.exists(path):  # a terminated peer may leave its socket file
            os.unlink(path)
    harness.emit(
        SYSTEMS.get(args.peer, args.peer),
        args.mode,
        args.transport,
        CONFORMANCE_PAYLOADS[args.payload],
        result,
        shape=f"rlay {args.mode} against the {args.peer} conformance peer ({env_name} env)",
        peer_command=shlex.join(run),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    harness.add_common_args(parser, payloads=CONFORMANCE_PAYLOADS)
    parser.add_argument("--peer", required=True, help="peer name in conformance/peers.toml")
    parser.add_argument("--peer-run", required=True, help="the peer's run argv, as JSON")
    parser.add_argument("--peer-workdir", required=True)
    driver(parser.parse_args())


if __name__ == "__main__":
    main()
