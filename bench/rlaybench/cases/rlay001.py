"""rlay 0.0.1 from PyPI (the previous rlay): an mmap file with busy-wait flags.

Both of its modes run against the echo env: ClientEnv (the env side is its
``ServerBackend``, which creates the mmap file) and ServerEnv (the env side is its
``ClientBackend``). Each step it serializes a protobuf message with the observation
as ``repeated float`` into a 1024-byte file (``/tmp/rlay``, fixed name and size) and
both processes spin on a flag byte until the other side answers. Payloads that do not
fit into the file fail; the failure is recorded instead of a row.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

import numpy as np

from rlaybench import harness
from rlaybench.payloads import Payload

MMAP_FILE = "/tmp/rlay"  # fixed by rlay 0.0.1
MMAP_SIZE = 1024


def _register(payload: Payload) -> str:
    import gymnasium as gym

    env_id = f"rlaybench/Echo-{payload.name}-v0"
    if env_id not in gym.registry:
        gym.register(env_id, "rlaybench.echo_env:EchoEnv", kwargs={"payload": payload.name})
    return env_id


def _wait_for_file(timeout: float = 60.0) -> None:
    """Wait until the mmap file exists at its full size (it is created, then grown)."""
    deadline = time.monotonic() + timeout
    while not (os.path.exists(MMAP_FILE) and os.path.getsize(MMAP_FILE) >= MMAP_SIZE):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{MMAP_FILE} did not appear in {timeout:g} s")
        time.sleep(0.001)


def env_side(args: argparse.Namespace, payload: Payload) -> None:
    from rlay import ClientBackend, ServerBackend

    env_id = _register(payload)
    harness.announce_ready()
    if args.mode == "ClientEnv":
        ServerBackend(env_id).run()
    else:
        _wait_for_file()
        ClientBackend(env_id).run()


def _watch(side: harness.Side, payload: Payload, mode: str, done: threading.Event) -> None:
    """rlay 0.0.1 spins forever when its peer dies: report that, then end the driver."""
    while not done.wait(0.2):
        if side.proc.poll() is not None:
            reason = "the env side failed (rlay 0.0.1 busy-waits forever on a dead peer)"
            harness.skip("rlay 0.0.1", mode, "mmap", payload, reason + side.tail(3))
            os._exit(0)


def driver(args: argparse.Namespace, payload: Payload) -> None:
    import rlay

    if os.path.exists(MMAP_FILE):
        os.unlink(MMAP_FILE)
    side = harness.Side(harness.side_command("rlaybench.cases.rlay001", args))
    done = threading.Event()
    threading.Thread(target=_watch, args=(side, payload, args.mode, done), daemon=True).start()
    side.wait_ready()
    if args.mode == "ClientEnv":
        _wait_for_file()
        env = rlay.ClientEnv()
    else:
        env = rlay.ServerEnv()
    env.reset()
    # its ServerEnv encodes the action with .shape/.flatten(): give both modes an array
    actions = [np.full(payload.num_envs, a, dtype=np.int64) for a in (0, 1)]

    def step(i: int) -> object:
        return env.step(actions[i & 1])

    result = harness.measure(step, harness.config_from(args))
    env.close()
    done.set()
    side.stop()
    from importlib.metadata import version

    harness.emit(
        "rlay 0.0.1",
        args.mode,
        "mmap",
        payload,
        result,
        shape="mmap file + busy-wait on a flag byte, repeated-float arrays",
        library=f"rlay {version('rlay')}",
    )
    sys.stdout.flush()


def main() -> None:
    harness.run_case(__doc__, env_side, driver)


if __name__ == "__main__":
    main()
