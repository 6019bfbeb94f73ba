"""rlay: ClientEnv and ServerEnv against the Python reference env side (rlay.host).

ClientEnv: the env side listens (``rlay.host.Host`` serving the echo env) and the
driver dials it. ServerEnv: the driver listens and launches the env side, which dials
in with ``rlay.host.dial`` (the address arrives as ``-rlay-address ADDR``). Single
envs are hosted by rlay's ``GymBackend`` (what ``rlay.host.serve`` uses). The batched
payload is a natively batched env (``EchoVectorEnv``: one array for 64 sub-envs, like
a game stepping 64 agents in one scene), hosted through a small ``EnvBackend`` here;
the agent side is then ``ClientVectorEnv`` / ``ServerVectorEnv``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from rlaybench import harness
from rlaybench.payloads import PAYLOADS, Payload, action_for

MODULE = "rlaybench.cases.rlay_case"


def _address(transport: str) -> str:
    if transport in ("unix", "shm"):  # both meet at a Unix socket path
        path = harness.unix_path(f"rlay-{transport}")
        if os.path.exists(path):
            os.unlink(path)
        return f"{transport}://{path}"
    return f"{transport}://127.0.0.1:0"


def vector_backend(payload: Payload) -> Any:
    """An EnvBackend over the natively batched echo env."""
    import numpy as np
    from gymnasium.vector import AutoresetMode
    from rlay.session import EnvBackend, EnvDescription, ResetResult, StepResult

    from rlaybench.echo_env import EchoVectorEnv

    class VectorEcho(EnvBackend):
        """Steps all sub-envs with one call, as a natively batched engine does."""

        def __init__(self) -> None:
            self.env = EchoVectorEnv(payload.name)
            self.infos: list[dict[str, Any]] = [{} for _ in range(payload.num_envs)]

        def open(self, render_mode: str | None) -> EnvDescription:
            return EnvDescription(
                "rlaybench/EchoVector",
                self.env.single_observation_space,
                self.env.single_action_space,
                num_envs=payload.num_envs,
                autoreset_mode=AutoresetMode.NEXT_STEP,
            )

        def reset(self, seeds: Any, options: Any, mask: Any) -> ResetResult:
            obs, _ = self.env.reset()
            return ResetResult(obs, self.infos)

        def step(self, actions: Any) -> StepResult:
            obs, rewards, terminated, truncated, _ = self.env.step(np.asarray(actions))
            return StepResult(obs, rewards, terminated, truncated, self.infos, [])

    return VectorEcho()


def env_side(args: argparse.Namespace, payload: Payload) -> None:
    from rlay import host

    from rlaybench.echo_env import EchoEnv

    def factory() -> Any:
        return EchoEnv(payload.name)

    if args.mode == "ServerEnv":
        address = args.rlay_address or os.environ["RLAY_ADDRESS"]
        source: Any = vector_backend(payload) if payload.batched else factory
        host.dial(source, address)
        return
    if payload.batched:
        server = host.Host(lambda: vector_backend(payload), _address(args.transport))
    else:
        server = host.serve(factory, _address(args.transport))
    harness.announce_ready(server.address)
    server.serve_forever()


def _agent(args: argparse.Namespace, payload: Payload) -> tuple[Any, harness.Side | None]:
    import rlay

    if args.mode == "ClientEnv":
        side = harness.Side(harness.side_command(MODULE, args))
        address = side.wait_ready()
        cls = rlay.ClientVectorEnv if payload.batched else rlay.ClientEnv
        return cls(address), side
    launch = [sys.executable, "-m", MODULE, *harness.forward_args(args)]
    cls = rlay.ServerVectorEnv if payload.batched else rlay.ServerEnv
    return cls(_address(args.transport), launch=launch), None


def driver(args: argparse.Namespace, payload: Payload) -> None:
    # for a launched env side: it imports rlaybench too
    path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(harness.BENCH_DIR), path) if p)
    env, side = _agent(args, payload)
    try:
        env.reset(seed=0)
        actions = [action_for(payload, 0), action_for(payload, 1)]

        def step(i: int) -> object:
            return env.step(actions[i & 1])

        result = harness.measure(step, harness.config_from(args))
    finally:
        env.close()
        if side is not None:
            side.proc.terminate()
            side.stop()
        _remove_socket(getattr(env, "address", ""))
    from importlib.metadata import version

    harness.emit(
        "rlay",
        args.mode,
        args.transport,
        payload,
        result,
        shape="protobuf frames over a byte stream (grpc: the same messages on a bidi stream)",
        library=f"rlay {version('rlay')}",
    )


def _remove_socket(address: str) -> None:
    """A terminated env side leaves its Unix socket file behind: remove it."""
    for scheme in ("unix://", "shm://"):
        if address.startswith(scheme) and os.path.exists(address[len(scheme) :]):
            os.unlink(address[len(scheme) :])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    harness.add_common_args(parser)
    parser.add_argument("-rlay-address", dest="rlay_address", default="")
    args = parser.parse_args()
    payload = PAYLOADS[args.payload]
    (env_side if args.side == "env" else driver)(args, payload)


if __name__ == "__main__":
    main()
