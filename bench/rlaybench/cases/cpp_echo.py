"""rlay's agent side against the echo env hosted by the C++ core (RlayCore).

``cpp-unreal/Tools/EchoHost`` serves the same echo env as ``rlaybench.echo_env`` (the
observation is the payload, the step counter stamped into its first element, reward 1,
no episode end) through the C++ env session. The driver is ClientEnv (the host
listens) or ServerEnv (the host dials a unix path), so these rows differ from the
``rlay/...`` rows only in the env side: C++ instead of Python.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from rlaybench import harness
from rlaybench.payloads import PAYLOADS, action_for

SYSTEM = "C++ env side (RlayCore)"


def driver(args: argparse.Namespace) -> None:
    import rlay

    payload = PAYLOADS[args.payload]
    path = harness.unix_path("cpp-echo")
    if os.path.exists(path):
        os.unlink(path)
    address = f"unix://{path}" if args.transport == "unix" else "tcp://127.0.0.1:0"
    mode = "listen" if args.mode == "ClientEnv" else "dial"
    if mode == "dial" and args.transport != "unix":
        raise SystemExit("dial rows use a unix address, known before the host starts")
    cmd = [args.host, "--payload", payload.name, "--mode", mode, "--address", address]
    side = harness.Side(cmd)
    env: Any = None
    try:
        env = rlay.ClientEnv(side.wait_ready()) if mode == "listen" else rlay.ServerEnv(address)
        env.reset(seed=7)

        def step(i: int) -> object:
            return env.step(action_for(payload, i))

        result = harness.measure(step, harness.config_from(args))
    finally:
        if env is not None:
            env.close()
        if mode == "listen":
            side.proc.terminate()
        side.stop()
        if os.path.exists(path):
            os.unlink(path)
    harness.emit(
        SYSTEM,
        args.mode,
        args.transport,
        payload,
        result,
        shape=f"rlay {args.mode} against the echo env hosted by the C++ core",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    harness.add_common_args(parser)
    parser.add_argument("--host", required=True, help="path of the built rlay_echo_host")
    driver(parser.parse_args())


if __name__ == "__main__":
    main()
