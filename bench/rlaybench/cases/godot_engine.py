"""rlay's ServerEnv against the Godot addon running in the Godot 4.6 web engine.

The env side is GDScript in a real engine (the web export template from npm, in
headless Chromium): the `godot` conformance peer hosts the benchmark's echo env
(`bench-cartpole`, `bench-image`: godot/peer/env_bench.gd, the same observation as
rlaybench/echo_env.py) and dials the driver's ``ws://`` listener, the only way a
browser game can connect. The page runs with the training shell's pacing (a
MessageChannel drives Godot's main loop; the render loop is off). CPU per step counts
the driver and the peer's job client only: the browser runs outside this process tree.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from rlaybench import harness
from rlaybench.payloads import PAYLOADS, Payload

ROOT = Path(__file__).resolve().parents[3]
ENVS = {"cartpole": "bench-cartpole", "image": "bench-image"}


def driver(args: argparse.Namespace, payload: Payload) -> None:
    import rlay

    env: Any = rlay.ServerEnv("ws://127.0.0.1:0", wait=False, accept_timeout=180.0, timeout=60.0)
    peer = subprocess.Popen(
        [sys.executable, str(ROOT / "godot/harness/peer.py"), "--env", ENVS[payload.name],
         "--mode", "dial", "--address", env.address],
        cwd=ROOT,
    )  # fmt: skip
    try:
        env.accept()
        env.reset(seed=0)

        def step(i: int) -> object:
            return env.step(i & 1)

        result = harness.measure(step, harness.config_from(args))
    finally:
        env.close()
        try:
            peer.wait(30)
        except subprocess.TimeoutExpired:
            peer.kill()
    harness.emit(
        "Godot peer (web engine)",
        "ServerEnv",
        "ws",
        payload,
        result,
        shape="rlay ServerEnv over ws:// against GDScript in the Godot 4.6 web engine "
        "(headless Chromium)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    harness.add_common_args(parser)
    args = parser.parse_args()
    driver(args, PAYLOADS[args.payload])


if __name__ == "__main__":
    main()
